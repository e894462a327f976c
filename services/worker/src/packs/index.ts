// Tool packs: built-in names, or a module path whose `tools` export is an array of defineTool() results.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { AnyTool } from '../define-tool.ts';

const BUILT_IN: Record<string, () => Promise<{ tools: AnyTool[] }>> = {
  examples: () => import('./examples.ts'),
};

export async function loadPacks(names: string[]): Promise<AnyTool[]> {
  const tools: AnyTool[] = [];
  for (const name of names) {
    const load = BUILT_IN[name] ?? (() => import(pathToFileURL(resolve(name)).href) as Promise<{ tools: AnyTool[] }>);
    const mod = await load();
    if (!Array.isArray(mod.tools)) throw new Error(`tool pack ${name} does not export a \`tools\` array`);
    tools.push(...mod.tools);
  }
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) throw new Error(`tool ${t.name} is defined twice in TOOL_PACKS`);
    seen.add(t.name);
  }
  return tools;
}
