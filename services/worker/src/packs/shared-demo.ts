// Demo tools that reach other callers' sessions: a note every caller shares and an announcement to every session of
// the caller's tenant. Not in the default pack (`examples`): on a fleet shared by several users they would let one
// user write into another's view. Load with TOOL_PACKS=examples,shared-demo for single-user demos and tests.
import { z } from 'zod';
import { defineTool, type AnyTool } from '../define-tool.ts';
import { defineResource } from '../define-resource.ts';

// The note lives in this worker's memory: enough to show subscriptions; a real pack would keep it in a database.
let note = 'nothing yet';
const NOTE_URI = 'note://current';

export const setNote = defineTool({
  name: 'set_note',
  title: 'Set the note',
  description: `Replaces the text of ${NOTE_URI}; sessions subscribed to it are told it changed.`,
  inputSchema: z.object({ text: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ text }, ctx) {
    note = text;
    const told = await ctx.resourceUpdated(NOTE_URI);
    return `note set; ${told} subscribed session(s) notified`;
  },
});

export const announce = defineTool({
  name: 'announce',
  title: 'Announce',
  description:
    "Sends a notification to every live session of the caller's tenant (each receives it once, on its GET stream).",
  inputSchema: z.object({ message: z.string() }),
  async run({ message }, ctx) {
    const n = await ctx.broadcast('notifications/message', { level: 'notice', logger: 'announce', data: message });
    return `announced to ${n} session(s)`;
  },
});

export const tools: AnyTool[] = [setNote, announce];

export const resources = [
  defineResource({
    uri: NOTE_URI,
    name: 'note',
    title: 'The current note',
    description: 'A note set with the set_note tool; subscribe to hear when it changes.',
    mimeType: 'text/plain',
    read: (uri) => ({ uri, text: note }),
  }),
];
