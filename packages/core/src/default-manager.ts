import { type Env, parseCoreConfig } from "./config.js";
import type { SecretRecord } from "./contract.js";
import { type Logger, loggerFromEnv } from "./logger.js";
import { SecretManager } from "./manager.js";
import type { GetOptions, SecretManagerOptions, SetOptions } from "./manager-options.js";
import { type ProviderLoaders, resolveProvider } from "./resolve.js";

export interface ManagerFromEnvOptions extends Partial<Omit<SecretManagerOptions, "provider">> {
  env?: Env;
  cwd?: string;
  /** Modules a host already carries, by provider short name or package name. */
  loaders?: ProviderLoaders;
  /** Overrides `SECRET_PROVIDER`. */
  provider?: SecretManagerOptions["provider"] | string;
}

/**
 * A manager configured from the environment: `SECRET_PROVIDER`, `SECRET_CACHE_TTL`,
 * `SECRET_CACHE_STALE_IF_ERROR`, `SECRET_CACHE_STALE_WAIT`, `SECRET_TIMEOUT`,
 * `LOG_LEVEL`, `LOG_FORMAT`. Invalid settings throw
 * a `SecretConfigError` naming the variable. The provider is resolved on first use.
 */
export function createSecretManagerFromEnv(options: ManagerFromEnvOptions = {}): SecretManager {
  const env = options.env ?? process.env;
  const { config, errors } = parseCoreConfig(env);
  if (errors.length > 0) throw errors[0];
  const logger: Logger = options.logger ?? loggerFromEnv(env);
  const spec = options.provider ?? config.provider;
  // `env` because nothing was chosen: a missing package then points at SECRET_PROVIDER.
  const implicit = options.provider === undefined && !env.SECRET_PROVIDER?.trim();
  const cwd = options.cwd ?? process.cwd();
  // The factory's deadline for connecting is the manager's deadline for every call.
  const timeoutMs = options.timeoutMs ?? config.timeoutMs;
  return new SecretManager({
    ...options,
    provider:
      typeof spec === "string"
        ? () =>
            resolveProvider(spec, {
              env,
              cwd,
              logger,
              timeoutMs,
              implicit,
              ...(options.loaders ? { loaders: options.loaders } : {}),
            })
        : spec,
    providerName: typeof spec === "string" ? spec : undefined,
    cacheTtlMs: options.cacheTtlMs ?? config.cacheTtlMs,
    staleIfErrorMs: options.staleIfErrorMs ?? config.staleIfErrorMs,
    staleWaitMs: options.staleWaitMs ?? config.staleWaitMs,
    timeoutMs,
    logger,
  } as SecretManagerOptions);
}

let shared: SecretManager | undefined;

/** The process-wide manager, created from the environment on first call. */
export function getSecretManager(): SecretManager {
  shared ??= createSecretManagerFromEnv();
  return shared;
}

/** Replace the process-wide manager (for example with one built around your own provider instance). */
export function setSecretManager(manager: SecretManager | SecretManagerOptions): SecretManager {
  shared = manager instanceof SecretManager ? manager : new SecretManager(manager);
  return shared;
}

/** Forget the process-wide manager (closing it); the next `getSecretManager()` builds a new one. */
export async function resetSecretManager(): Promise<void> {
  const old = shared;
  shared = undefined;
  await old?.close();
}

export function getSecret(name: string, options?: GetOptions): Promise<string | undefined> {
  return getSecretManager().getSecret(name, options);
}

export function getRequiredSecret(name: string, options?: GetOptions): Promise<string> {
  return getSecretManager().getRequiredSecret(name, options);
}

export function getSecretRecord(name: string, options?: GetOptions): Promise<SecretRecord | undefined> {
  return getSecretManager().getSecretRecord(name, options);
}

export function setSecret(name: string, value: string, options?: SetOptions): Promise<boolean> {
  return getSecretManager().setSecret(name, value, options);
}

export function deleteSecret(name: string): Promise<boolean> {
  return getSecretManager().deleteSecret(name);
}
