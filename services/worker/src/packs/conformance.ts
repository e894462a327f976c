// Fixtures the official MCP conformance suite calls by name (see the handbook's CONFORMANCE-FIXTURES.md).
// Loaded only when TOOL_PACKS names it (`npm run conformance` does); never part of a production catalog.
import { defineTool, type AnyTool } from '../define-tool.ts';
import { defineResource, defineResourceTemplate } from '../define-resource.ts';
import { definePrompt } from '../define-prompt.ts';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';
const NO_ARGS = { type: 'object', properties: {} } as const;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const tools: AnyTool[] = [
  defineTool({
    name: 'test_simple_text',
    description: 'Returns a simple text response',
    inputSchema: NO_ARGS,
    run: () => 'This is a simple text response for testing.',
  }),
  defineTool({
    name: 'test_image_content',
    description: 'Returns an image',
    inputSchema: NO_ARGS,
    run: () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }),
  }),
  defineTool({
    name: 'test_audio_content',
    description: 'Returns audio',
    inputSchema: NO_ARGS,
    run: () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }),
  }),
  defineTool({
    name: 'test_embedded_resource',
    description: 'Returns an embedded resource',
    inputSchema: NO_ARGS,
    run: () => ({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    }),
  }),
  defineTool({
    name: 'test_multiple_content_types',
    description: 'Returns text, image and resource content',
    inputSchema: NO_ARGS,
    run: () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: '{"test":"data","value":123}',
          },
        },
      ],
    }),
  }),
  defineTool({
    name: 'test_tool_with_logging',
    description: 'Logs three messages while it runs',
    inputSchema: NO_ARGS,
    async run(_a, ctx) {
      await ctx.log('info', 'Tool execution started');
      await wait(50);
      await ctx.log('info', 'Tool processing data');
      await wait(50);
      await ctx.log('info', 'Tool execution completed');
      return 'Logging test completed';
    },
  }),
  defineTool({
    name: 'test_tool_with_progress',
    description: 'Reports progress 0, 50, 100',
    inputSchema: NO_ARGS,
    async run(_a, ctx) {
      for (const p of [0, 50, 100]) {
        await ctx.progress(p, 100);
        if (p < 100) await wait(50);
      }
      return 'Progress test completed';
    },
  }),
  defineTool({
    name: 'test_error_handling',
    description: 'Always returns a tool error',
    inputSchema: NO_ARGS,
    run: () => ({
      isError: true,
      content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
    }),
  }),
  defineTool<{ prompt: string }>({
    name: 'test_sampling',
    description: "Asks the client's model",
    inputSchema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
    async run({ prompt }, ctx) {
      const r = await ctx.sample({
        messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
        maxTokens: 100,
      });
      return `LLM response: ${(r.content as { text?: string }).text ?? ''}`;
    },
  }),
  defineTool<{ message: string }>({
    name: 'test_elicitation',
    description: 'Asks the user for a username and email',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    async run({ message }, ctx) {
      const r = await ctx.elicit({
        message,
        requestedSchema: {
          type: 'object',
          properties: {
            username: { type: 'string', description: "User's response" },
            email: { type: 'string', description: "User's email address" },
          },
          required: ['username', 'email'],
        },
      });
      return `User response: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`;
    },
  }),
  defineTool({
    name: 'test_elicitation_sep1034_defaults',
    description: 'Elicitation with default values',
    inputSchema: NO_ARGS,
    async run(_a, ctx) {
      const r = await ctx.elicit({
        message: 'Please review your information',
        requestedSchema: {
          type: 'object',
          properties: {
            name: { type: 'string', default: 'John Doe' },
            age: { type: 'integer', default: 30 },
            score: { type: 'number', default: 95.5 },
            status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
            verified: { type: 'boolean', default: true },
          },
        },
      });
      return `Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`;
    },
  }),
  defineTool({
    name: 'test_elicitation_sep1330_enums',
    description: 'Elicitation with every enum form',
    inputSchema: NO_ARGS,
    async run(_a, ctx) {
      const r = await ctx.elicit({
        message: 'Please pick options',
        requestedSchema: {
          type: 'object',
          properties: {
            untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
            titledSingle: {
              type: 'string',
              oneOf: [
                { const: 'value1', title: 'First Option' },
                { const: 'value2', title: 'Second Option' },
                { const: 'value3', title: 'Third Option' },
              ],
            },
            legacyEnum: {
              type: 'string',
              enum: ['opt1', 'opt2', 'opt3'],
              enumNames: ['Option One', 'Option Two', 'Option Three'],
            },
            untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
            titledMulti: {
              type: 'array',
              items: {
                anyOf: [
                  { const: 'value1', title: 'First Choice' },
                  { const: 'value2', title: 'Second Choice' },
                  { const: 'value3', title: 'Third Choice' },
                ],
              },
            },
          },
        },
      });
      return `Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`;
    },
  }),
  defineTool({
    name: 'test_reconnection',
    description: 'Closes the SSE connection mid-call; the result arrives on the resumed stream',
    inputSchema: NO_ARGS,
    async run(_a, ctx) {
      await ctx.closeConnection();
      await wait(100);
      return 'Reconnection test completed';
    },
  }),
  defineTool({
    name: 'json_schema_2020_12_tool',
    description: 'A tool whose input schema uses JSON Schema 2020-12 features',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
    },
    run: (args) => `received ${JSON.stringify(args)}`,
  }),
];

export const resources = [
  defineResource({
    uri: 'test://static-text',
    name: 'static-text',
    description: 'A static text resource',
    mimeType: 'text/plain',
    read: (uri) => ({ uri, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }),
  }),
  defineResource({
    uri: 'test://static-binary',
    name: 'static-binary',
    description: 'A static binary resource',
    mimeType: 'image/png',
    read: (uri) => ({ uri, mimeType: 'image/png', blob: PNG }),
  }),
  defineResource({
    uri: 'test://watched-resource',
    name: 'watched-resource',
    description: 'A resource to subscribe to',
    mimeType: 'text/plain',
    read: (uri) => ({ uri, mimeType: 'text/plain', text: 'Watched resource content' }),
  }),
];

export const resourceTemplates = [
  defineResourceTemplate({
    uriTemplate: 'test://template/{id}/data',
    name: 'template-data',
    description: 'Data for an id',
    mimeType: 'application/json',
    read: (uri, { id }) => ({
      uri,
      mimeType: 'application/json',
      text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
    }),
  }),
];

export const prompts = [
  definePrompt({
    name: 'test_simple_prompt',
    description: 'A simple prompt',
    get: () => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
    }),
  }),
  definePrompt({
    name: 'test_prompt_with_arguments',
    description: 'A prompt with arguments',
    arguments: [
      { name: 'arg1', description: 'First argument', required: true },
      { name: 'arg2', description: 'Second argument', required: true },
    ],
    get: ({ arg1, arg2 }) => ({
      messages: [
        { role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
      ],
    }),
    complete: { arg1: (value) => ['test1', 'test2', 'test3'].filter((v) => v.startsWith(value)) },
  }),
  definePrompt({
    name: 'test_prompt_with_embedded_resource',
    description: 'A prompt with an embedded resource',
    arguments: [{ name: 'resourceUri', description: 'URI of the resource', required: true }],
    get: ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: { uri: resourceUri!, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  }),
  definePrompt({
    name: 'test_prompt_with_image',
    description: 'A prompt with an image',
    get: () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }),
  }),
];
