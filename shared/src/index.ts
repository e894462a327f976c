// The common package's public surface: what front nodes and workers agree on.
export { originMatcher } from './origins.ts';
export { loadConfig, ConfigError, configSchema, configKeys, type FleetConfig, type ConfigKey } from './config.ts';
export {
  FleetKeys,
  callMember,
  newRequestStreamId,
  parseSessionMember,
  jobOfServerRequest,
  requestField,
  serverRequestId,
  streamOfJob,
  sessionMember,
  sessionFingerprint,
  standaloneStreamId,
  streamBelongsTo,
  type SessionRef,
} from './keys.ts';
export {
  decodeEntries,
  decodeWake,
  decodeNodeWakes,
  type NodeWake,
  entryId,
  formatEventId,
  isStreamId,
  isTerminal,
  kindOfLetter,
  KIND_LETTERS,
  parseEventId,
  sseFrame,
  type EventKind,
  type StreamEvent,
  type Wake,
} from './events.ts';
export {
  STREAMABLE_VERSIONS,
  MODERN_VERSIONS,
  isModernVersion,
  LATEST_VERSION,
  DEFAULT_NEGOTIATED_VERSION,
  LOG_LEVELS,
  isStreamableVersion,
  isLogLevel,
  logLevelPasses,
  supportsPriming,
  eraOf,
  type StreamableVersion,
  type LogLevel,
  type JsonRpcId,
} from './protocol.ts';
export {
  JOB_METHODS,
  jobName,
  streamTtlMs,
  type CallJob,
  type JobMethod,
  type TaskJob,
  type TraceContext,
} from './job.ts';
export {
  acquireSlot,
  answerQuestion,
  appendEvents,
  claimStream,
  openStream,
  startRun,
  takeQuota,
  takeSlot,
  touchSession,
  defineScripts,
  type AppendArgs,
  type CallSettlement,
  type OpenStreamResult,
  type CheckedSession,
  type SessionCheck,
  type RunStart,
  type StreamLease,
} from './scripts.ts';
export { appendEvent, batchAppends, type AppendBatching } from './stream-appends.ts';
export {
  awaitReplicas,
  createRedis,
  isRedisOutage,
  redisTarget,
  type RedisClientOptions,
  type RedisRole,
  type RedisTarget,
} from './redis.ts';
export { createLogger, type Logger } from './logger.ts';
export { startRedis, freePort, findOnPath, RedisUnavailableError, type RunningRedis } from './redis-launcher.ts';
export { randomId } from './ids.ts';
export {
  appendToSessionStream,
  fanOut,
  liveSessions,
  notifySession,
  publishServerEvent,
  resourceUpdated,
  type StandaloneRetention,
} from './notify.ts';
export { templateMatcher } from './uri-template.ts';
export {
  ERRORS,
  RPC_CODES,
  FleetError,
  errorBody,
  entryValue,
  type Era,
  type ErrorEntry,
  type ErrorName,
  type FleetErrorOptions,
} from './errors.ts';
export {
  RELATED_TASK_META,
  TASKS_EXTENSION,
  TASK_FIELDS,
  TASK_STATUSES,
  isTerminalStatus,
  parseTaskRecord,
  taskJobId,
  taskNamespace,
  taskOfJob,
  type TaskRecord,
  type TaskStatus,
  type TaskSupport,
} from './tasks.ts';
export {
  PARTIAL_RESULT_METHOD,
  PARTIAL_RESULT_TOKEN_META,
  PARTIAL_RESULTS_META,
  partialResultToken,
} from './partial-results.ts';
export { wireTask, type TaskEvent } from './task-wire.ts';
export {
  announceTaskStatus,
  detailedTask,
  readTask,
  taskOutcome,
  taskPartials,
  taskWaiting,
  type TaskOutcome,
} from './task-state.ts';
export {
  ANONYMOUS_CALLER,
  ANONYMOUS_PRINCIPAL,
  principalKey,
  principalLabel,
  tenantOfPrincipal,
  type Caller,
} from './principal.ts';
export { API_KEY_PREFIX, ApiKeyStore, type ApiKeyCheck, type ApiKeyRecord } from './api-keys.ts';
export { fleetMetrics, type CallOutcome, type QueueDepth } from './metrics.ts';
export { INCIDENTS_KEPT, IncidentLog, fleetIncidents, recentIncidents, type Incident } from './incidents.ts';
export {
  SPAN_ATTR,
  activeTraceId,
  enableTracing,
  failSpan,
  fleetTracer,
  inSpan,
  traceIdOfTraceparent,
  tracingEnabled,
} from './tracing.ts';
export { AuditLog, type AuditSettings, type CallAuditEntry, type DeniedAuditEntry } from './audit.ts';
export { isLoopbackAddress } from './bind-address.ts';
export { queueNames, queueOfSession, type QueueLayout } from './queues.ts';
export { publicBasePath, publicEndpoint, publicPath } from './public-url.ts';
