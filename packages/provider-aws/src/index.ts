export {
  AWS_PROVIDER_ENV,
  type AwsConfigOptions,
  type AwsLayout,
  type AwsProviderConfig,
  DEFAULT_RECOVERY_WINDOW_DAYS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  ENDPOINT_ENV,
  MAX_RECOVERY_WINDOW_DAYS,
  MAX_REQUEST_TIMEOUT_MS,
  METADATA_TAG_PREFIX,
  MIN_RECOVERY_WINDOW_DAYS,
  MIN_REQUEST_TIMEOUT_MS,
  parseAwsConfig,
  parseAwsOptions,
} from "./config.js";
export { AWS_CONTEXT_ENV, type ContextClientConfig, contextClientConfig } from "./context-env.js";
export { MAX_DOCUMENT_BYTES } from "./document.js";
export { AwsRequestFailure, awsErrorName } from "./errors.js";
export {
  type AwsListOptions,
  type AwsProviderOptions,
  AwsSecretsManagerProvider,
  BATCH_SIZE,
  createAwsProvider,
  createProvider,
} from "./provider.js";
export { BinarySecretError, DEFAULT_MAX_ATTEMPTS } from "./store.js";
