/** The package's public surface: the provider, its factory, its configuration and its errors. */

export { MAX_ANSWER_BYTES } from "./answer-bounds.js";
export { MAX_PAGES } from "./client.js";
export { parseAwsConfig, parseAwsOptions } from "./config.js";
export { DEFAULT_MAX_ATTEMPTS } from "./connection.js";
export { AWS_CONTEXT_ENV, type ContextClientConfig, contextClientConfig } from "./context-env.js";
export { awsErrorName } from "./error-names.js";
export { createProvider } from "./factory.js";
export { BATCH_SIZE } from "./layouts/bulk-read.js";
export { MAX_DOCUMENT_BYTES } from "./layouts/document-backend.js";
export type { AwsListOptions } from "./layouts/layout.js";
export { type AwsProviderOptions, AwsSecretsManagerProvider, createAwsProvider } from "./provider.js";
export { AwsRequestFailure } from "./request-failure.js";
export { BinarySecretError } from "./secret-reads.js";
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
} from "./settings.js";
