// The common package's public surface: what front nodes and workers agree on.
export { loadConfig, ConfigError, configSchema, configKeys, type FleetConfig, type ConfigKey } from './config.ts';
export {
  FleetKeys,
  newRequestStreamId,
  parseSessionMember,
  jobOfServerRequest,
  requestField,
  serverRequestId,
  sessionMember,
  sessionFingerprint,
  standaloneStreamId,
  streamBelongsTo,
  type SessionRef,
} from './keys.ts';
export {
  decodeEntries,
  decodeWake,
  decodeNodeWake,
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
export { JOB_METHODS, jobName, type CallJob, type JobMethod, type TraceContext } from './job.ts';
export {
  answerQuestion,
  appendEvent,
  claimStream,
  openStream,
  startRun,
  touchSession,
  defineScripts,
  type AppendArgs,
  type RunStart,
} from './scripts.ts';
export { createRedis, isRedisOutage, type RedisClientOptions, type RedisRole } from './redis.ts';
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
