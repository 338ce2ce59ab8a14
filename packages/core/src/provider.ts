// `@org/secrets-core/provider`: what a provider is built with — the contract,
// shared backend logic, file helpers, error wrapping and the error classes a
// provider throws. Applications import `@org/secrets-core`.

export {
  isLoopbackHost,
  isTlsFailureCode,
  plainHttpWarning,
  unverifiedTlsWarning,
} from "./address-security.js";
export {
  DEFAULT_LEFTOVER_AGE_MS,
  resolveWriteTarget,
  type WriteSecretFileOptions,
  writeSecretFile,
} from "./atomic-write.js";
export { backoffDelay, sleep, timerDelay } from "./backoff.js";
export { chunk, mapConcurrent } from "./concurrency.js";
export { type Env, MAX_TIMEOUT_MS, type ParsedConfig } from "./config.js";
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
  type ResolvedCapabilities,
  type RestoreOptions,
  type SecretProvider,
  type SecretRecord,
  type WriteEntry,
  type WriteManyOptions,
  type WriteManyResult,
  type WriteOptions,
  type WriteResult,
} from "./contract.js";
export { checkProviderShape, DEFAULT_MAX_VALUE_BYTES } from "./contract-check.js";
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
  DEFAULT_LOCK_HEARTBEAT_MS,
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  type FileLockOptions,
  withFileLock,
} from "./file-lock.js";
export {
  type FileTypeTests,
  fileCalls,
  fileTypeOf,
  type OpenedFile,
  type ReadableFile,
  type RegularFileRead,
  readRegularFile,
  readUpTo,
} from "./fs-calls.js";
export { type DescribeFsErrorOptions, describeFsError, fsErrorCode } from "./fs-errors.js";
export { type LogFields, type Logger, type LogLevel, silentLogger } from "./logger.js";
export {
  assertValidSecretName,
  isCodeLoadingVariable,
  isValidSecretName,
  MAX_SECRET_NAME_LENGTH,
} from "./names.js";
export { sanitizeError, type WrapErrorOptions, wrapError } from "./provider-error.js";
export { REDACTED, redact, registerSecretValue } from "./redact.js";
export { isWholeBackendFailure } from "./settled-reads.js";
export { isWellFormedText } from "./text.js";
