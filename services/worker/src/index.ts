export {
  defineTool,
  type ToolDefinition,
  type HandlerContext,
  type ToolContext,
  type ToolResult,
  type AnyTool,
  type Icon,
} from './define-tool.ts';
export {
  defineResource,
  defineResourceTemplate,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
  type ResourceContents,
} from './define-resource.ts';
export { definePrompt, type PromptDefinition, type PromptMessage } from './define-prompt.ts';
export type { ToolPack } from './pack.ts';
export { ServerRequestError } from './server-requests.ts';
export { startWorker, type RunningWorker } from './worker.ts';
