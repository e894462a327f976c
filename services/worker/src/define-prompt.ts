// Prompts: named message templates with arguments. The arguments `get` receives are typed from the declared list:
// required ones are strings, the others may be absent.
import type { GetPromptResult, Icon, PromptMessage } from '@modelcontextprotocol/sdk/types.js';
import type { HandlerContext } from './handler-api.ts';

export type { PromptMessage };

export interface PromptArgument {
  name: string;
  title?: string;
  description?: string;
  required?: boolean;
}

export type PromptArgs<A extends readonly PromptArgument[]> = {
  [K in A[number] as K extends { required: true } ? K['name'] : never]: string;
} & { [K in A[number] as K extends { required: true } ? never : K['name']]?: string };

export interface PromptDefinition<A extends readonly PromptArgument[] = readonly PromptArgument[]> {
  name: string;
  title?: string;
  description: string;
  arguments?: A;
  icons?: Icon[];
  get(args: PromptArgs<A>, ctx: HandlerContext): Promise<GetPromptResult> | GetPromptResult;
  /** completion/complete for an argument: candidate values for what the user typed so far */
  complete?: Record<string, (value: string, context: Record<string, string>) => Promise<string[]> | string[]>;
}

export function definePrompt<const A extends readonly PromptArgument[] = []>(
  def: PromptDefinition<A>,
): PromptDefinition<A> {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(def.name)) {
    throw new Error(`prompt name ${JSON.stringify(def.name)} is not valid`);
  }
  return def;
}
