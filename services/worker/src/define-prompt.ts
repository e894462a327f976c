// Prompts: named message templates with arguments.
import type { ContentBlock, HandlerContext, Icon } from './define-tool.ts';

export interface PromptArgument {
  name: string;
  title?: string;
  description?: string;
  required?: boolean;
}

export interface PromptMessage {
  role: 'user' | 'assistant';
  content: ContentBlock;
}

export interface PromptDefinition {
  name: string;
  title?: string;
  description: string;
  arguments?: PromptArgument[];
  icons?: Icon[];
  get(
    args: Record<string, string>,
    ctx: HandlerContext,
  ): Promise<{ description?: string; messages: PromptMessage[] }> | { description?: string; messages: PromptMessage[] };
  /** completion/complete for an argument: candidate values for what the user typed so far */
  complete?: Record<string, (value: string, context: Record<string, string>) => Promise<string[]> | string[]>;
}

export function definePrompt(def: PromptDefinition): PromptDefinition {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(def.name))
    throw new Error(`prompt name ${JSON.stringify(def.name)} is not valid`);
  return def;
}
