// Resources: static ones by URI, and templates (RFC 6570 `{var}` placeholders) read by a handler.
import { templateMatcher } from '@mcp-fleet/shared';
import type { HandlerContext, Icon } from './define-tool.ts';

export type ResourceContents =
  | { uri: string; mimeType?: string; text: string; _meta?: Record<string, unknown> }
  | { uri: string; mimeType?: string; blob: string; _meta?: Record<string, unknown> };

interface ResourceMetadata {
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  icons?: Icon[];
  annotations?: { audience?: ('user' | 'assistant')[]; priority?: number; lastModified?: string };
}

export interface ResourceDefinition extends ResourceMetadata {
  uri: string;
  read(
    uri: string,
    ctx: HandlerContext,
  ): Promise<ResourceContents[] | ResourceContents> | ResourceContents[] | ResourceContents;
}

export interface ResourceTemplateDefinition extends ResourceMetadata {
  uriTemplate: string;
  read(
    uri: string,
    variables: Record<string, string>,
    ctx: HandlerContext,
  ): Promise<ResourceContents[] | ResourceContents> | ResourceContents[] | ResourceContents;
  /** completion/complete for a template variable: candidate values for what the user typed so far */
  complete?: Record<string, (value: string, context: Record<string, string>) => Promise<string[]> | string[]>;
}

export function defineResource(def: ResourceDefinition): ResourceDefinition {
  new URL(def.uri); // throws a clear TypeError for a malformed URI at load time
  return def;
}

export function defineResourceTemplate(def: ResourceTemplateDefinition): ResourceTemplateDefinition {
  templateMatcher(def.uriTemplate);
  return def;
}
