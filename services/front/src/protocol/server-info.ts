// What this server says about itself in initialize.
export const SERVER_INFO = { name: 'mcp-fleet', version: '0.1.0' } as const;

export const SERVER_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
} as const;

export const INSTRUCTIONS =
  'mcp-fleet serves tools from a fleet of workers; any front node can serve any request of a session.';
