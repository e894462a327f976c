// What this server says about itself in initialize.
export const SERVER_INFO = { name: 'mcp-fleet', version: '0.1.0' } as const;

import { TASKS_EXTENSION } from '@mcp-fleet/shared';

const CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
} as const;

/** The session era's capabilities, by negotiated version: tasks (experimental) exist from 2025-11-25. */
export function sessionCapabilities(version: string): Record<string, unknown> {
  if (version < '2025-11-25') return CAPABILITIES;
  return { ...CAPABILITIES, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } };
}

/** 2026-07-28: tasks are the io.modelcontextprotocol/tasks extension. */
export const MODERN_CAPABILITIES = { ...CAPABILITIES, extensions: { [TASKS_EXTENSION]: {} } };

export const INSTRUCTIONS =
  'mcp-fleet serves tools from a fleet of workers; any front node can serve any request of a session.';
