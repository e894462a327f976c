export { defineTool, type ToolDefinition, type ToolContext, type ToolResult, type AnyTool } from './define-tool.ts';
export { startWorker, type RunningWorker } from './worker.ts';
