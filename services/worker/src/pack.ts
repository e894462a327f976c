// A tool pack: what one module contributes to a worker. Built-in packs by name, others by module path.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PromptDefinition } from './define-prompt.ts';
import type { ResourceDefinition, ResourceTemplateDefinition } from './define-resource.ts';
import type { AnyTool } from './define-tool.ts';

export interface ToolPack {
  tools?: AnyTool[];
  resources?: ResourceDefinition[];
  resourceTemplates?: ResourceTemplateDefinition[];
  prompts?: PromptDefinition[];
}

/** Everything a worker serves, merged from its packs. */
export interface Pack {
  tools: AnyTool[];
  resources: ResourceDefinition[];
  resourceTemplates: ResourceTemplateDefinition[];
  prompts: PromptDefinition[];
  /** Merges the packs' exported arrays again (a pack may change them at run time; see ctx.catalogChanged). */
  refresh(): void;
}

const BUILT_IN: Record<string, () => Promise<ToolPack>> = {
  examples: () => import('./packs/examples.ts'),
  conformance: () => import('./packs/conformance.ts'),
  'shared-demo': () => import('./packs/shared-demo.ts'),
};

export async function loadPacks(names: string[], extra: ToolPack[] = []): Promise<Pack> {
  const mods: ToolPack[] = [];
  for (const name of names) {
    const load = BUILT_IN[name] ?? (() => import(pathToFileURL(resolve(name)).href) as Promise<ToolPack>);
    const mod = await load();
    if (!mod.tools && !mod.resources && !mod.resourceTemplates && !mod.prompts) {
      throw new Error(`tool pack ${name} exports none of tools, resources, resourceTemplates, prompts`);
    }
    mods.push(mod);
  }
  mods.push(...extra);
  const pack: Pack = {
    tools: [],
    resources: [],
    resourceTemplates: [],
    prompts: [],
    refresh() {
      pack.tools = mods.flatMap((m) => m.tools ?? []);
      pack.resources = mods.flatMap((m) => m.resources ?? []);
      pack.resourceTemplates = mods.flatMap((m) => m.resourceTemplates ?? []);
      pack.prompts = mods.flatMap((m) => m.prompts ?? []);
      unique(
        'tool',
        pack.tools.map((t) => t.name),
      );
      unique(
        'resource',
        pack.resources.map((r) => r.uri),
      );
      unique(
        'resource template',
        pack.resourceTemplates.map((r) => r.uriTemplate),
      );
      unique(
        'prompt',
        pack.prompts.map((p) => p.name),
      );
    },
  };
  pack.refresh();
  return pack;
}

function unique(what: string, names: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`${what} ${n} is defined twice in TOOL_PACKS`);
    seen.add(n);
  }
}
