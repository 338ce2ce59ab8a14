export {
  createEnvProvider,
  createProvider,
  ENV_FILE_VARIABLE,
  EnvProvider,
  type EnvProviderOptions,
} from "./env-provider.js";
