/**
 * The package's public exports: the provider and its factories, options and
 * defaults, configuration from the environment, and the errors' sanitised cause.
 */
export { type ParsedVaultConfig, parseDuration, parseVaultConfig } from "./config.js";
export { createProvider } from "./create-provider.js";
export {
  DEFAULT_APPROLE_MOUNT,
  DEFAULT_CONCURRENCY,
  DEFAULT_KUBERNETES_JWT_FILE,
  DEFAULT_KUBERNETES_MOUNT,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MOUNT,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  VALUE_FIELD,
  type VaultAppRoleAuth,
  type VaultAuthMethod,
  type VaultAuthOptions,
  type VaultClientLike,
  type VaultKubernetesAuth,
  type VaultLayout,
  type VaultProviderOptions,
  type VaultTokenAuth,
} from "./options.js";
export { createVaultProvider, VaultProvider } from "./provider.js";
export { VaultRequestError } from "./request.js";
export { Sensitive } from "./sensitive.js";
