// Fixtures the official MCP conformance suite (@modelcontextprotocol/conformance, src/scenarios/server/) calls by
// name, for both revisions it judges (2025-11-25 and 2026-07-28). Loaded only when TOOL_PACKS names it
// (`npm run conformance` does); never part of a production catalog.
import { z } from 'zod';
import { defineTool, type AnyTool } from '../define-tool.ts';
import type { InputRequest } from '../handler-api.ts';
import { defineResource, defineResourceTemplate } from '../define-resource.ts';
import { definePrompt } from '../define-prompt.ts';
import { taskFixtures } from './conformance-tasks.ts';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';
const NO_ARGS = z.object({});
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
  defineTool({
    name: 'test_sampling',
    description: "Asks the client's model",
    inputSchema: z.object({ prompt: z.string() }),
    async run({ prompt }, ctx) {
      const r = await ctx.sample({
        messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
        maxTokens: 100,
      });
      return `LLM response: ${textOf(r.content)}`;
    },
  }),
  defineTool({
    name: 'test_elicitation',
    description: 'Asks the user for a username and email',
    inputSchema: z.object({ message: z.string() }),
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
    description: 'Tool with JSON Schema 2020-12 features',
    // Plain JSON Schema, published as written: every 2020-12 keyword must reach tools/list untouched.
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        address: {
          $anchor: 'addressDef',
          type: 'object',
          properties: { street: { type: 'string' }, city: { type: 'string' } },
        },
      },
      properties: {
        name: { type: 'string' },
        address: { $ref: '#/$defs/address' },
        contactMethod: { type: 'string', enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' },
      },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword here, not a thenable
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    },
    run: (args) => `received ${JSON.stringify(args)}`,
  }),
  ...modernFixtures(),
  ...taskFixtures,
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
            resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
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
  definePrompt({
    name: 'test_input_required_result_prompt',
    description: 'A prompt that asks the user for context first (2026-07-28: input_required on prompts/get)',
    async get(_args, ctx) {
      const r = await ctx.elicit(
        { message: 'What context should the prompt use?', requestedSchema: schemaOf('context') },
        { key: 'user_context' },
      );
      return {
        messages: [
          { role: 'user', content: { type: 'text', text: `Use this context: ${String(r.content?.context)}` } },
        ],
      };
    },
  }),
];

/** A prompt the trigger tool adds and removes (a list change for `subscriptions/listen`). */
const dynamicPrompt = definePrompt({
  name: 'test_dynamic_prompt',
  description: 'A prompt that test_trigger_prompt_change adds and removes',
  get: () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'A dynamic prompt.' } }] }),
});

/** A one-field elicitation form. */
function schemaOf(field: string, type: 'string' | 'boolean' = 'string') {
  const property = type === 'string' ? { type: 'string' as const } : { type: 'boolean' as const };
  return { type: 'object' as const, properties: { [field]: property }, required: [field] };
}

function textOf(content: { type: string; text?: string } | { type: string }[]): string {
  const first = Array.isArray(content) ? content[0] : content;
  return first && 'text' in first ? String(first.text) : JSON.stringify(content);
}

/** Adds `item` to `list` when it is absent, else removes it: each call changes the list. */
function toggle<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
  else list.push(item);
  return i < 0;
}

/** Fixtures of the 2026-07-28 scenarios (MRTR, envelope rules, list changes, custom headers). */
function modernFixtures(): AnyTool[] {
  const ask = (key: string, message: string, field: string) => ({
    key,
    request: { method: 'elicitation/create' as const, params: { message, requestedSchema: schemaOf(field) } },
  });
  return [
    defineTool({
      name: 'test_input_required_result_elicitation',
      description: 'Asks the user for their name (input_required with one elicitation)',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const q = ask('user_name', 'What is your name?', 'name');
        const r = await ctx.elicit(q.request.params, { key: q.key });
        return `Hello, ${String(r.content?.name)}!`;
      },
    }),
    defineTool({
      name: 'test_input_required_result_sampling',
      description: "Asks the client's model a question (input_required with one sampling request)",
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const r = await ctx.sample(
          {
            messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
            maxTokens: 100,
          },
          { key: 'capital_question' },
        );
        return `The model answered: ${textOf(r.content)}`;
      },
    }),
    defineTool({
      name: 'test_input_required_result_list_roots',
      description: "Asks for the client's roots (input_required with roots/list)",
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const { roots } = await ctx.listRoots({ key: 'client_roots' });
        return `The client has ${roots.length} root(s): ${roots.map((r) => r.uri).join(', ')}`;
      },
    }),
    defineTool({
      name: 'test_input_required_result_request_state',
      description: 'Asks for a confirmation; the retry must echo the signed requestState',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        // The front verified the requestState (HMAC, expiry, digest) before this job got the answer.
        const r = await ctx.elicit(
          { message: 'Please confirm', requestedSchema: schemaOf('ok', 'boolean') },
          { key: 'confirm' },
        );
        return `state-ok: confirmed=${String(r.content?.ok)}`;
      },
    }),
    defineTool({
      name: 'test_input_required_result_multiple_inputs',
      description: 'Asks three questions at once: elicitation, sampling and roots',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const a = await ctx.inputs({
          user_name: ask('user_name', 'What is your name?', 'name').request,
          greeting: {
            method: 'sampling/createMessage',
            params: {
              messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
              maxTokens: 50,
            },
          },
          client_roots: { method: 'roots/list' },
        });
        return `name=${String(a.user_name.content?.name)}; greeting=${textOf(a.greeting.content)}; roots=${a.client_roots.roots.length}`;
      },
    }),
    defineTool({
      name: 'test_input_required_result_multi_round',
      description: 'Asks two questions, one round after the other',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const s1 = ask('step1', 'Step 1: What is your name?', 'name');
        const name = (await ctx.elicit(s1.request.params, { key: s1.key })).content?.name;
        const s2 = ask('step2', 'Step 2: What is your favorite color?', 'color');
        const color = (await ctx.elicit(s2.request.params, { key: s2.key })).content?.color;
        return `${String(name)} likes ${String(color)}`;
      },
    }),
    defineTool({
      name: 'test_input_required_result_tampered_state',
      description: 'Asks for a confirmation; a retry with an altered requestState is refused',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const r = await ctx.elicit({ message: 'Please confirm', requestedSchema: schemaOf('ok', 'boolean') });
        return `confirmed=${String(r.content?.ok)}`;
      },
    }),
    defineTool({
      name: 'test_input_required_result_capabilities',
      description: 'Asks only what the client declared it can answer',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const caps = ctx.session.clientCapabilities;
        const questions: Record<string, InputRequest> = {};
        if (caps.elicitation) questions.user_name = ask('user_name', 'What is your name?', 'name').request;
        if (caps.sampling) {
          questions.greeting = {
            method: 'sampling/createMessage',
            params: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }], maxTokens: 50 },
          };
        }
        if (caps.roots) questions.client_roots = { method: 'roots/list' };
        const asked = await ctx.inputs(questions);
        return `answered: ${Object.keys(asked).join(', ') || 'nothing (no capability declared)'}`;
      },
    }),
    defineTool({
      name: 'test_missing_capability',
      description:
        "Needs the client's sampling capability (2026-07-28: MissingRequiredClientCapabilityError without it)",
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const r = await ctx.sample({
          messages: [{ role: 'user', content: { type: 'text', text: 'ping' } }],
          maxTokens: 10,
        });
        return textOf(r.content);
      },
    }),
    defineTool({
      name: 'test_streaming_elicitation',
      description: 'Reports progress and logs, then asks the user: 2026-07-28 answers input_required, never a request',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        await ctx.progress(1, 2, 'asking');
        await ctx.log('info', 'about to ask the user');
        const r = await ctx.elicit({ message: 'Continue?', requestedSchema: schemaOf('ok', 'boolean') });
        return `continued=${String(r.content?.ok)}`;
      },
    }),
    defineTool({
      name: 'test_logging_tool',
      description: 'Logs at info; a 2026-07-28 request without a logLevel hears nothing',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        await ctx.log('info', 'Tool execution started');
        await ctx.log('info', 'Tool execution completed');
        return 'Logging tool completed';
      },
    }),
    defineTool({
      name: 'test_trigger_tool_change',
      description: 'Adds or removes test_dynamic_tool (every call changes the tool list)',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const added = toggle(tools, dynamicTool);
        await ctx.catalogChanged();
        return `test_dynamic_tool ${added ? 'added' : 'removed'}`;
      },
    }),
    defineTool({
      name: 'test_trigger_prompt_change',
      description: 'Adds or removes test_dynamic_prompt (every call changes the prompt list)',
      inputSchema: NO_ARGS,
      async run(_a, ctx) {
        const added = toggle(prompts, dynamicPrompt);
        await ctx.catalogChanged();
        return `test_dynamic_prompt ${added ? 'added' : 'removed'}`;
      },
    }),
    defineTool({
      name: 'test_custom_header',
      description: 'Echoes a region that 2026-07-28 clients also send as the Mcp-Param-Region header',
      inputSchema: z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }), note: z.string().optional() }),
      run: ({ region }) => `region=${region}`,
    }),
  ];
}

const dynamicTool = defineTool({
  name: 'test_dynamic_tool',
  description: 'A tool that test_trigger_tool_change adds and removes',
  inputSchema: NO_ARGS,
  run: () => 'A dynamic tool.',
});
