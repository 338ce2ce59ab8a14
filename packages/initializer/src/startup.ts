/**
 * `startupApplication()`: what an application calls before serving, checking
 * its secrets and, in production, creating the missing ones.
 */
import {
  type Env,
  getSecretManager,
  isProduction,
  type Logger,
  ProviderUnavailableError,
  type SecretManager,
  SecretNotFoundError,
} from "@org/secrets-core";
import type { HealthOutcome } from "./health.js";
import { getSecretInitializer, healthCheckOutcome, SecretInitializer } from "./initializer.js";
import type { HealthReport, InitResult } from "./results.js";

export interface StartupOptions {
  /** The manager to check through (default `getSecretManager()`); ignored when `initializer` is given. */
  manager?: SecretManager | undefined;
  /** The initializer to use (default: one over `manager` with the manifest found from `env`). */
  initializer?: SecretInitializer | undefined;
  /** Read for `NODE_ENV`, `ENVIRONMENT`, `FORCE_SECRET_INIT` and `SECRETS_MANIFEST` (default `process.env`). */
  env?: Env | undefined;
  /** Where startup progress goes (default the manager's logger). */
  logger?: Logger | undefined;
}

export interface StartupResult {
  /** Whether missing secrets were initialized (production, or `FORCE_SECRET_INIT`). */
  initialized: boolean;
  /** The final health report. */
  health: HealthReport;
  /** What initialization did, when it ran. */
  init?: InitResult;
}

/** `FORCE_SECRET_INIT` values that turn initialization on outside production. */
const TRUTHY = new Set(["1", "true", "yes"]);

/** Whether startup initializes missing secrets: in production, or when `FORCE_SECRET_INIT` is `1`, `true` or `yes`. */
export function shouldInitializeOnStartup(env: Env = process.env): boolean {
  const force = env.FORCE_SECRET_INIT?.trim().toLowerCase();
  return isProduction(env) || (force !== undefined && TRUTHY.has(force));
}

/**
 * Make sure the application can start: check the secrets its manifest declares
 * and, in production (or with `FORCE_SECRET_INIT`), create the missing ones
 * and check again. Throws the provider's error when it cannot be used, and
 * `SecretNotFoundError` (`Required secret 'NAME' not found`) for the first
 * required secret still missing. Optional secrets never stop startup.
 */
export async function startupApplication(options: StartupOptions = {}): Promise<StartupResult> {
  const env = options.env ?? process.env;
  const initializer =
    options.initializer ??
    (options.manager !== undefined || options.env !== undefined
      ? new SecretInitializer({ manager: options.manager ?? getSecretManager(), env })
      : getSecretInitializer());
  const logger = options.logger ?? initializer.manager.logger;
  const initialize = shouldInitializeOnStartup(env);

  let health = assertProvider(await healthCheckOutcome(initializer));
  let init: InitResult | undefined;
  if (initialize && health.summary.missing > 0) {
    logger.info("secret.startup initializing missing secrets", {
      provider: health.provider.name,
      missing: health.summary.missing,
    });
    init = await initializer.initializeSecrets();
    health = assertProvider(await healthCheckOutcome(initializer));
  }

  const missing = health.secrets.find((s) => s.required && s.status === "missing");
  if (missing) {
    const hint = initialize
      ? (init?.secrets.find((s) => s.name === missing.name)?.message ?? missing.message)
      : "run secrets init, or set FORCE_SECRET_INIT=1 to create missing secrets at startup";
    logger.error("secret.startup failed", {
      name: missing.name,
      provider: health.provider.name,
      status: health.status,
      detail: hint,
    });
    throw new SecretNotFoundError(undefined, { secret: missing.name, provider: health.provider.name });
  }

  logger.info("secret.startup ready", {
    status: health.status,
    provider: health.provider.name,
    initialized: init !== undefined,
  });
  const result: StartupResult = { initialized: init !== undefined, health };
  if (init) result.init = init;
  return result;
}

/** The report when the provider is usable; else its error thrown. */
function assertProvider({ report: health, failure }: HealthOutcome): HealthReport {
  if (health.provider.ok) return health;
  if (failure) throw failure;
  // A report always carries its error; this keeps the contract if one is built by hand.
  throw new ProviderUnavailableError(
    health.provider.error?.message ?? `Secret provider '${health.provider.name}' is not available`,
    { provider: health.provider.name },
  );
}
