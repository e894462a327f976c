// The worker package's public surface: the tool-author API and startWorker.
export {
  defineTool,
  type AnyTool,
  type ArgsOf,
  type JsonObjectSchema,
  type ObjectSchema,
  type ToolDefinition,
  type ToolResult,
} from './define-tool.ts';
export type { HandlerContext, InputOptions, InputRequest, InputResult } from './handler-api.ts';
export {
  defineResource,
  defineResourceTemplate,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
  type ResourceContents,
} from './define-resource.ts';
export { definePrompt, type PromptDefinition, type PromptMessage } from './define-prompt.ts';
export type { ToolPack } from './pack.ts';
export { ServerRequestError } from './questions.ts';
export { ToolProtocolError } from './tool-errors.ts';
export { startWorker, type RunningWorker } from './worker.ts';
export { startBridge } from './bridge/start-bridge.ts';
export type { ChildSpec } from './bridge/child.ts';
