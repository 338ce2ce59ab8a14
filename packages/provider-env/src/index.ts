export {
  createEnvProvider,
  createProvider,
  DEFAULT_MAX_FILE_BYTES,
  ENV_FILE_VARIABLE,
  EnvProvider,
  type EnvProviderOptions,
} from "./env-provider.js";
