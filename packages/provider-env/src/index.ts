// `@org/secrets-provider-env`: the provider, its factories and its options.
export { createEnvProvider, createProvider, EnvProvider } from "./env-provider.js";
export { DEFAULT_MAX_FILE_BYTES, ENV_FILE_VARIABLE, type EnvProviderOptions } from "./options.js";
