/**
 * The default manager, process-wide, built from the environment on first use,
 * and the one-line functions applications call (`getSecret`…) that use it.
 */
import { type Env, parseCoreConfig } from "./config.js";
import type { SecretRecord } from "./contract.js";
import { type Logger, loggerFromEnv } from "./logger.js";
import { SecretManager } from "./manager.js";
import type { GetOptions, SecretManagerOptions, SetOptions } from "./manager-options.js";
import { processWide } from "./process-wide.js";
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

/**
 * The holder of the default manager, shared by every copy of core in the
 * process (see process-wide.ts). Version 1: `{ manager }`, a `SecretManager`
 * of any copy (they are told apart by brand, not by class) or `undefined`.
 */
interface DefaultManagerSlot {
  manager: SecretManager | undefined;
}

const SLOT_VERSION = 1;

function slot(): DefaultManagerSlot {
  return processWide<DefaultManagerSlot>("default-manager", SLOT_VERSION, () => ({ manager: undefined }));
}

/** The process-wide manager, created from the environment on first call. */
export function getSecretManager(): SecretManager {
  const holder = slot();
  holder.manager ??= createSecretManagerFromEnv();
  return holder.manager;
}

/** Replace the process-wide manager (for example with one built around your own provider instance). */
export function setSecretManager(manager: SecretManager | SecretManagerOptions): SecretManager {
  const holder = slot();
  holder.manager = manager instanceof SecretManager ? manager : new SecretManager(manager);
  return holder.manager;
}

/** Forget the process-wide manager (closing it); the next `getSecretManager()` builds a new one. */
export async function resetSecretManager(): Promise<void> {
  const holder = slot();
  const old = holder.manager;
  holder.manager = undefined;
  await old?.close();
}

// Each call below rejects its promise when the default manager cannot be built
// (a bad setting's SecretConfigError), as a failed read would: it never throws
// where it is made.

export function getSecret(name: string, options?: GetOptions): Promise<string | undefined> {
  try {
    return getSecretManager().getSecret(name, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

export function getRequiredSecret(name: string, options?: GetOptions): Promise<string> {
  try {
    return getSecretManager().getRequiredSecret(name, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

export function getSecretRecord(name: string, options?: GetOptions): Promise<SecretRecord | undefined> {
  try {
    return getSecretManager().getSecretRecord(name, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

export function setSecret(name: string, value: string, options?: SetOptions): Promise<boolean> {
  try {
    return getSecretManager().setSecret(name, value, options);
  } catch (error) {
    return Promise.reject(error);
  }
}

export function deleteSecret(name: string): Promise<boolean> {
  try {
    return getSecretManager().deleteSecret(name);
  } catch (error) {
    return Promise.reject(error);
  }
}
