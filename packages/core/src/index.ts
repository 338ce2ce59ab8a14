export { backoffDelay, sleep } from "./backoff.js";
export { chunk, mapConcurrent } from "./concurrency.js";
export {
  type CoreConfig,
  DEFAULT_CACHE_TTL_SECONDS,
  DEFAULT_STALE_IF_ERROR_SECONDS,
  DEFAULT_STALE_WAIT_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  type Env,
  isProduction,
  type ParsedConfig,
  parseCoreConfig,
} from "./config.js";
export { describeConfigValue, isSensitiveConfigName } from "./config-value.js";
export {
  type CheckOptions,
  capabilitiesOf,
  type DeleteOptions,
  type ListOptions,
  NO_CAPABILITIES,
  type ProviderCapabilities,
  type ProviderContext,
  type ProviderFactory,
  type ProviderModule,
  type ProviderStatus,
  type ReadOptions,
  type RestoreOptions,
  type SecretProvider,
  type SecretRecord,
  type WriteEntry,
  type WriteManyOptions,
  type WriteManyResult,
  type WriteOptions,
  type WriteResult,
} from "./contract.js";
export {
  createSecretManagerFromEnv,
  deleteSecret,
  getRequiredSecret,
  getSecret,
  getSecretManager,
  getSecretRecord,
  type ManagerFromEnvOptions,
  resetSecretManager,
  setSecret,
  setSecretManager,
} from "./default-manager.js";
export {
  type DocumentBackend,
  DocumentLayout,
  type DocumentLayoutOptions,
  type StoredDocument,
  valueVersion,
} from "./document-layout.js";
export {
  AccessDeniedError,
  AuthenticationError,
  describeName,
  InvalidSecretNameError,
  InvalidSecretValueError,
  isSecretError,
  NotSupportedError,
  ProviderError,
  ProviderInvalidError,
  ProviderNotConfiguredError,
  ProviderNotInstalledError,
  ProviderUnavailableError,
  SecretConfigError,
  SecretConflictError,
  SecretError,
  type SecretErrorCode,
  type SecretErrorOptions,
  SecretNotFoundError,
  SecretScheduledForDeletionError,
  SecretTimeoutError,
  type SecretTimeoutErrorOptions,
} from "./errors.js";
export {
  DEFAULT_LEFTOVER_AGE_MS,
  DEFAULT_LOCK_HEARTBEAT_MS,
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  type FileLockOptions,
  type WriteSecretFileOptions,
  withFileLock,
  writeSecretFile,
} from "./files.js";
export {
  type CreateLoggerOptions,
  createLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  loggerFromEnv,
  parseLogLevel,
  silentLogger,
} from "./logger.js";
export {
  checkProviderShape,
  DEFAULT_MAX_VALUE_BYTES,
  type GetOptions,
  isWholeBackendFailure,
  type ProviderCheckResult,
  SecretManager,
  type SecretManagerOptions,
  type SetOptions,
  type SettledRecords,
} from "./manager.js";
export {
  DURATION_BUCKETS_SECONDS,
  HEALTH_STATUS_VALUE,
  INSTRUMENTATION_VERSION,
  METER_NAME,
  type MetricAttributes,
  SecretMetrics,
  type SpanEnd,
  TRACER_NAME,
} from "./metrics.js";
export { assertValidSecretName, isValidSecretName, MAX_SECRET_NAME_LENGTH } from "./names.js";
export { sanitizeError, type WrapErrorOptions, wrapError } from "./provider-error.js";
export {
  clearRedactions,
  FRAGMENT_LENGTH,
  isSensitiveKey,
  MIN_FREE_TEXT_LENGTH,
  MIN_REDACTED_LENGTH,
  REDACTED,
  REDACTION_FAILED,
  redact,
  registerSecretValue,
} from "./redact.js";
export {
  BUILTIN_PROVIDERS,
  classifyProviderSpec,
  type ProviderLoaders,
  type ProviderSpecKind,
  type ResolveProviderOptions,
  resolveProvider,
} from "./resolve.js";
export {
  defineSecretConfig,
  type InferOutput,
  type LoadSecretConfigOptions,
  loadSecretConfig,
  type SecretConfigDefinition,
  type StandardIssue,
  type StandardResult,
  type StandardSchema,
} from "./secret-config.js";
