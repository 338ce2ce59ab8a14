// The application API. What a provider is built with (the contract's types,
// DocumentLayout, file helpers, error wrapping…) is `@org/secrets-core/provider`.
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
export type {
  DeleteOptions,
  ProviderCapabilities,
  ResolvedCapabilities,
  SecretProvider,
  SecretRecord,
  WriteEntry,
  WriteManyOptions,
  WriteResult,
} from "./contract.js";
export { DEFAULT_MAX_VALUE_BYTES } from "./contract-check.js";
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
  AccessDeniedError,
  AuthenticationError,
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
  type CreateLoggerOptions,
  createLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  loggerFromEnv,
  parseLogLevel,
  silentLogger,
} from "./logger.js";
export { SecretManager } from "./manager.js";
export type {
  GetOptions,
  ProviderCheckResult,
  SecretManagerOptions,
  SetOptions,
  SettledRecords,
} from "./manager-options.js";
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
