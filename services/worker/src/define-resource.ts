// Resources: static ones by URI, and templates (RFC 6570 `{var}` placeholders) read by a handler.
import type { Icon, ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { templateMatcher } from '@mcp-fleet/shared';
import type { HandlerContext } from './handler-api.ts';

/** One item of a resources/read result: `{ uri, text }` or `{ uri, blob }` (base64), with an optional mimeType. */
export type ResourceContents = ReadResourceResult['contents'][number];

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
