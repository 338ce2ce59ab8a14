// The initializer's public API: manifest, generators, init / rotate / health and startup.
export { BUILT_IN_MANIFEST_SOURCE, DEFAULT_MANIFEST_YAML, defaultManifest } from "./default-manifest.js";
export {
  DEFAULT_GENERATOR_LENGTHS,
  describeGenerator,
  GENERATOR_KINDS,
  type GeneratorKind,
  type GeneratorOptions,
  type GeneratorSpec,
  generateSecret,
  generatorEntropyBits,
  MAX_GENERATED_LENGTH,
  MIN_ENTROPY_BITS,
  PASSWORD_SYMBOLS,
  type RandomSource,
  resolveGenerator,
} from "./generators.js";
export type { InitializeOptions } from "./init.js";
export {
  getSecretInitializer,
  SecretInitializer,
  type SecretInitializerOptions,
} from "./initializer.js";
export {
  type LoadManifestOptions,
  loadManifest,
  MANIFEST_FILE_NAMES,
  MAX_MANIFEST_BYTES,
} from "./load-manifest.js";
export {
  MANIFEST_VERSION,
  type Manifest,
  ManifestError,
  type ManifestIssue,
  type ManifestSecret,
  parseManifest,
} from "./manifest.js";
export { ROTATED_AT_METADATA_KEY } from "./operation-steps.js";
export type {
  HealthReport,
  HealthStatus,
  HealthSummary,
  InitAction,
  InitResult,
  InitSecretResult,
  ProviderHealth,
  RotateAction,
  RotateResult,
  RotateSecretResult,
  RotationHealth,
  SecretHealth,
  SecretHealthStatus,
} from "./results.js";
export type { RotateOptions } from "./rotate.js";
export { parseRotationPeriod, type RotationPeriod } from "./rotation-period.js";
export {
  type StartupOptions,
  type StartupResult,
  shouldInitializeOnStartup,
  startupApplication,
} from "./startup.js";
