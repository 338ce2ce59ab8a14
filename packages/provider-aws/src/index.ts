export {
  AWS_PROVIDER_ENV,
  type AwsConfigOptions,
  type AwsLayout,
  type AwsProviderConfig,
  DEFAULT_RECOVERY_WINDOW_DAYS,
  MAX_RECOVERY_WINDOW_DAYS,
  METADATA_TAG_PREFIX,
  MIN_RECOVERY_WINDOW_DAYS,
  parseAwsConfig,
  parseAwsOptions,
} from "./config.js";
export { MAX_DOCUMENT_BYTES } from "./document.js";
export { awsErrorName } from "./errors.js";
export {
  type AwsListOptions,
  type AwsProviderOptions,
  AwsSecretsManagerProvider,
  BATCH_SIZE,
  createAwsProvider,
  createProvider,
} from "./provider.js";
