/**
 * `SecretInitializer`: the façade over init, rotate and health. It holds the
 * manager, the manifest (loaded once) and the clock, and wraps each operation
 * in its span; the operations themselves live in `init.ts`, `rotate.ts` and
 * `health.ts`.
 */
import {
  type Env,
  getSecretManager,
  isProduction,
  SecretConfigError,
  type SecretManager,
} from "@org/secrets-core";
import { checkHealth, type HealthOutcome } from "./health.js";
import { type InitializeOptions, initializeSecrets } from "./init.js";
import { loadManifest } from "./load-manifest.js";
import { type Manifest, validateManifest } from "./manifest.js";
import type { OperationDeps } from "./operation-steps.js";
import type { HealthReport, InitResult, RotateResult } from "./results.js";
import { type RotateOptions, rotateSecrets } from "./rotate.js";

export interface SecretInitializerOptions {
  manager: SecretManager;
  /** The manifest to use; when absent it is loaded on first use (see `loadManifest`). */
  manifest?: Manifest | undefined;
  /** A manifest file to load; overrides `SECRETS_MANIFEST`. */
  manifestPath?: string | undefined;
  /** The project directory, where `secrets.yaml` is looked up (default `process.cwd()`). */
  cwd?: string | undefined;
  /** Environment for `SECRETS_MANIFEST` and for telling production apart (default `process.env`). */
  env?: Env | undefined;
  /** Clock, for tests. */
  now?: (() => Date) | undefined;
  /** Overrides the production check (`NODE_ENV` or `ENVIRONMENT` = `production`). */
  production?: boolean | undefined;
}

/** Set by the class below: its health check with the provider error kept apart from the report. */
let outcomeOf: (initializer: SecretInitializer) => Promise<HealthOutcome>;

/**
 * Creates, rotates and checks the secrets a manifest declares, through a
 * `SecretManager`. It never overwrites a value it did not mean to replace,
 * never invents a value that cannot be generated, and never reports a value.
 */
export class SecretInitializer {
  static {
    // A stand-in, or an instance whose `healthCheck` was replaced, is asked through `healthCheck`.
    outcomeOf = async (initializer) =>
      #checkHealth in initializer && initializer.healthCheck === SecretInitializer.prototype.healthCheck
        ? initializer.#checkHealth()
        : { report: await initializer.healthCheck() };
  }

  readonly #manager: SecretManager;
  readonly #env: Env;
  readonly #cwd: string | undefined;
  readonly #manifestPath: string | undefined;
  readonly #deps: OperationDeps;
  #manifest: Promise<Manifest> | undefined;

  constructor(options: SecretInitializerOptions) {
    if (!options?.manager)
      throw new SecretConfigError("SecretInitializer needs a manager", { field: "manager" });
    this.#manager = options.manager;
    this.#env = options.env ?? process.env;
    this.#cwd = options.cwd;
    this.#manifestPath = options.manifestPath;
    this.#deps = {
      manager: options.manager,
      now: options.now ?? (() => new Date()),
      production: options.production ?? isProduction(this.#env),
    };
    if (options.manifest) this.#manifest = Promise.resolve(validateManifest(options.manifest));
  }

  get manager(): SecretManager {
    return this.#manager;
  }

  /** Whether production rules apply (no development values). */
  get production(): boolean {
    return this.#deps.production;
  }

  /** The manifest, loaded on first call. A failed load is retried on the next call. */
  getManifest(): Promise<Manifest> {
    if (!this.#manifest) {
      const loading = loadManifest({ path: this.#manifestPath, cwd: this.#cwd, env: this.#env });
      this.#manifest = loading;
      loading.catch(() => {
        if (this.#manifest === loading) this.#manifest = undefined;
      });
    }
    return this.#manifest;
  }

  /**
   * Create what is missing (see `init.ts`), inside a `secret.init` span:
   * outcome `success`, or `incomplete` (an error status) when a secret could
   * not be created.
   */
  initializeSecrets(options: InitializeOptions = {}): Promise<InitResult> {
    return this.#traced("init", { "secret.dry_run": options.dryRun === true }, async () =>
      initializeSecrets(this.#deps, await this.getManifest(), options),
    );
  }

  /**
   * Replace generatable secrets (see `rotate.ts`), inside a `secret.rotate`
   * span: outcome `success`, or `incomplete` (an error status).
   */
  rotateSecrets(names?: readonly string[], options: RotateOptions = {}): Promise<RotateResult> {
    return this.#traced("rotate", { "secret.dry_run": options.dryRun === true }, async () =>
      rotateSecrets(this.#deps, await this.getManifest(), names, options),
    );
  }

  /**
   * Check the provider and every declared secret (see `health.ts`), inside a
   * `secret.health` span whose outcome is the status; `unhealthy` is an error
   * status with the provider error's code (or `UNHEALTHY`).
   */
  async healthCheck(): Promise<HealthReport> {
    return (await this.#checkHealth()).report;
  }

  #checkHealth(): Promise<HealthOutcome> {
    return this.#manager.metrics.withSpan(
      "secret.health",
      { "secret.provider": this.#manager.providerName, "secret.operation": "health" },
      async () => checkHealth(this.#deps, await this.getManifest()),
      ({ report, failure }) => ({
        outcome: report.status,
        code: report.status === "unhealthy" ? (failure?.code ?? "UNHEALTHY") : undefined,
        attributes: { "secret.provider": report.provider.name, "secret.count": report.secrets.length },
      }),
    );
  }

  /** Run an init or rotate inside its span: names, counts and outcome only, never a value. */
  #traced<T extends { ok: boolean; secrets: readonly unknown[] }>(
    operation: "init" | "rotate",
    attributes: Record<string, boolean>,
    run: () => Promise<T>,
  ): Promise<T> {
    return this.#manager.metrics.withSpan(
      `secret.${operation}`,
      { "secret.provider": this.#manager.providerName, "secret.operation": operation, ...attributes },
      run,
      (result) => ({
        outcome: result.ok ? "success" : "incomplete",
        code: result.ok ? undefined : "INCOMPLETE",
        attributes: { "secret.provider": this.#manager.providerName, "secret.count": result.secrets.length },
      }),
    );
  }
}

/**
 * A health check for `startupApplication`: the report, and the provider error
 * behind it with its class intact (a stand-in initializer gives its report alone).
 */
export function healthCheckOutcome(initializer: SecretInitializer): Promise<HealthOutcome> {
  return outcomeOf(initializer);
}

let shared: SecretInitializer | undefined;

/**
 * An initializer over `getSecretManager()` with the manifest loaded on first use.
 * Without options it returns the process-wide one (rebuilt when the process-wide
 * manager is replaced); with options, a new one.
 */
export function getSecretInitializer(options?: Partial<SecretInitializerOptions>): SecretInitializer {
  if (options !== undefined && Object.keys(options).length > 0)
    return new SecretInitializer({ ...options, manager: options.manager ?? getSecretManager() });
  const manager = getSecretManager();
  if (!shared || shared.manager !== manager) shared = new SecretInitializer({ manager });
  return shared;
}
