// Builds the `ctx` a tool receives for one job.
import { logLevelPasses, type LogLevel, type ToolCallJob } from '@mcp-fleet/shared';
import type { ToolContext } from './define-tool.ts';
import type { StreamWriter } from './stream-writer.ts';

/** Without logging/setLevel the server may choose (spec); we send info and above. */
const DEFAULT_LOG_LEVEL: LogLevel = 'info';

export function toolContext(job: ToolCallJob, writer: StreamWriter, signal: AbortSignal): ToolContext {
  let lastProgress = -Infinity;
  return {
    signal,
    session: { id: job.session.sessionId, principal: job.session.principal, protocolVersion: job.protocolVersion },
    requestId: job.requestId,
    async progress(progress, total, message) {
      // Progress must strictly increase and only answers a request that asked for it (spec, progress).
      if (job.progressToken === undefined || !(progress > lastProgress) || signal.aborted) return;
      lastProgress = progress;
      const params: Record<string, unknown> = { progressToken: job.progressToken, progress };
      if (total !== undefined) params.total = total;
      if (message !== undefined) params.message = message;
      await writer.notification('notifications/progress', params, progress);
    },
    async log(level, data, logger) {
      if (signal.aborted || !logLevelPasses(level, job.logLevel ?? DEFAULT_LOG_LEVEL)) return;
      const params: Record<string, unknown> = { level, data };
      if (logger !== undefined) params.logger = logger;
      await writer.notification('notifications/message', params);
    },
    async notify(method, params = {}) {
      if (signal.aborted) return;
      await writer.notification(method, params);
    },
  };
}
