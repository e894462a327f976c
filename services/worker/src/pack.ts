// A tool pack: what one module contributes to a worker. Built-in packs by name, others by module path.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { AnyTool } from './define-tool.ts';
import type { ResourceDefinition, ResourceTemplateDefinition } from './define-resource.ts';
import type { PromptDefinition } from './define-prompt.ts';

export interface ToolPack {
  tools?: AnyTool[];
  resources?: ResourceDefinition[];
  resourceTemplates?: ResourceTemplateDefinition[];
  prompts?: PromptDefinition[];
}

export interface Pack {
  tools: AnyTool[];
  resources: ResourceDefinition[];
  resourceTemplates: ResourceTemplateDefinition[];
  prompts: PromptDefinition[];
}

const BUILT_IN: Record<string, () => Promise<ToolPack>> = {
  examples: () => import('./packs/examples.ts'),
  conformance: () => import('./packs/conformance.ts'),
};

export async function loadPacks(names: string[], extra: ToolPack[] = []): Promise<Pack> {
  const pack: Pack = { tools: [], resources: [], resourceTemplates: [], prompts: [] };
  const mods: ToolPack[] = [];
  for (const name of names) {
    const load = BUILT_IN[name] ?? (() => import(pathToFileURL(resolve(name)).href) as Promise<ToolPack>);
    const mod = await load();
    if (!mod.tools && !mod.resources && !mod.resourceTemplates && !mod.prompts) {
      throw new Error(`tool pack ${name} exports none of tools, resources, resourceTemplates, prompts`);
    }
    mods.push(mod);
  }
  for (const mod of [...mods, ...extra]) {
    pack.tools.push(...(mod.tools ?? []));
    pack.resources.push(...(mod.resources ?? []));
    pack.resourceTemplates.push(...(mod.resourceTemplates ?? []));
    pack.prompts.push(...(mod.prompts ?? []));
  }
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
  return pack;
}

function unique(what: string, names: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`${what} ${n} is defined twice in TOOL_PACKS`);
    seen.add(n);
  }
}
