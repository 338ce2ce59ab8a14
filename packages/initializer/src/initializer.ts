import {
  type Env,
  getSecretManager,
  isProduction,
  isSecretError,
  type LogFields,
  type ProviderCapabilities,
  SecretConfigError,
  SecretConflictError,
  type SecretError,
  type SecretManager,
  type SecretRecord,
  type SetOptions,
  type WriteResult,
} from "@org/secrets-core";
import { describeName, isWholeBackendFailure, wrapError } from "@org/secrets-core/provider";
import { generateSecret } from "./generators.js";
import { loadManifest } from "./load-manifest.js";
import { type Manifest, type ManifestSecret, validateManifest } from "./manifest.js";
import type {
  HealthReport,
  HealthStatus,
  InitAction,
  InitResult,
  InitSecretResult,
  ProviderHealth,
  RotateResult,
  RotateSecretResult,
  RotationHealth,
  SecretHealth,
} from "./results.js";

/** Metadata key under which the time of the last generation or rotation is stored (ISO 8601). */
export const ROTATED_AT_METADATA_KEY = "rotatedAt";

/** The provider name whose secrets may take a manifest's `development` values outside production. */
const DEVELOPMENT_PROVIDER = "env";

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

export interface InitializeOptions {
  /** Regenerate every generatable secret, replacing existing values. */
  force?: boolean | undefined;
  /** Read and report, write nothing. */
  dryRun?: boolean | undefined;
}

export interface RotateOptions {
  /** Read and report, write nothing. */
  dryRun?: boolean | undefined;
}

/** Provider errors behind health reports, for `startupApplication` to rethrow with their class intact. */
const reportErrors = new WeakMap<HealthReport, SecretError>();

/** The provider error that made a health report unhealthy, if any. */
export function healthReportError(report: HealthReport): SecretError | undefined {
  return reportErrors.get(report);
}

interface Context {
  manifest: Manifest;
  providerName: string;
  capabilities: ProviderCapabilities;
  records: Map<string, SecretRecord>;
  /** Secrets that could not be read, each with its own error; the others were read. */
  errors: Map<string, SecretError>;
}

/** Reads in flight at once when a batch read failed and each secret is read on its own. */

/** What reading a list of secrets gave: the records found, per-secret failures, or a failure of the whole provider. */
interface ReadOutcome {
  records: Map<string, SecretRecord>;
  errors: Map<string, SecretError>;
  /** Set when no secret could be read at all: the provider itself is failing. */
  failure?: SecretError;
}

/** A write init or rotate will make. */
interface PlannedWrite {
  name: string;
  value: string;
  options: Omit<SetOptions, "signal">;
  /** A create-only write (`ifAbsent`), whose lost race adopts the winner's value. */
  create: boolean;
}

interface PlannedInit {
  secret: ManifestSecret;
  /** The result, or with `write`, the result if the write succeeds. */
  result: InitSecretResult;
  write?: PlannedWrite | undefined;
  /** Planned without reading the secret: a create-only write that finds it there means `exists`. */
  blind: boolean;
}

/**
 * Creates sent before deciding whether the rest are written without a read
 * (most of them are new) or read first (most already exist: a re-run).
 */
const FIRST_WAVE = 16;

interface PlannedRotate {
  /** The result, or with `write`, the result if the write succeeds. */
  result: RotateSecretResult;
  write?: PlannedWrite | undefined;
}

/**
 * Creates, rotates and checks the secrets a manifest declares, through a
 * `SecretManager`. It never overwrites a value it did not mean to replace,
 * never invents a value that cannot be generated, and never reports a value.
 */
export class SecretInitializer {
  readonly #manager: SecretManager;
  readonly #env: Env;
  readonly #cwd: string | undefined;
  readonly #manifestPath: string | undefined;
  readonly #now: () => Date;
  readonly #production: boolean;
  #manifest: Promise<Manifest> | undefined;

  constructor(options: SecretInitializerOptions) {
    if (!options?.manager)
      throw new SecretConfigError("SecretInitializer needs a manager", { field: "manager" });
    this.#manager = options.manager;
    this.#env = options.env ?? process.env;
    this.#cwd = options.cwd;
    this.#manifestPath = options.manifestPath;
    this.#now = options.now ?? (() => new Date());
    this.#production = options.production ?? isProduction(this.#env);
    if (options.manifest) this.#manifest = Promise.resolve(validateManifest(options.manifest));
  }

  get manager(): SecretManager {
    return this.#manager;
  }

  /** Whether production rules apply (no development values). */
  get production(): boolean {
    return this.#production;
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
   * Create what is missing (see `#initializeSecrets`), inside a `secret.init`
   * span: outcome `success`, or `incomplete` (an error status) when a secret
   * could not be created.
   */
  initializeSecrets(options: InitializeOptions = {}): Promise<InitResult> {
    return this.#traced("init", { "secret.dry_run": options.dryRun === true }, () =>
      this.#initializeSecrets(options),
    );
  }

  /**
   * Replace generatable secrets (see `#rotateSecrets`), inside a `secret.rotate`
   * span: outcome `success`, or `incomplete` (an error status).
   */
  rotateSecrets(names?: readonly string[], options: RotateOptions = {}): Promise<RotateResult> {
    return this.#traced("rotate", { "secret.dry_run": options.dryRun === true }, () =>
      this.#rotateSecrets(names, options),
    );
  }

  /**
   * Check the provider and every declared secret (see `#healthCheck`), inside a
   * `secret.health` span whose outcome is the status; `unhealthy` is an error
   * status with the provider error's code (or `UNHEALTHY`).
   */
  healthCheck(): Promise<HealthReport> {
    return this.#manager.metrics.withSpan(
      "secret.health",
      { "secret.provider": this.#manager.providerName, "secret.operation": "health" },
      () => this.#healthCheck(),
      (report) => ({
        outcome: report.status,
        code: report.status === "unhealthy" ? (healthReportError(report)?.code ?? "UNHEALTHY") : undefined,
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

  /**
   * Create what is missing; never touch an existing value (unless `force`).
   * Generatable secrets get a generated value; a missing required secret that
   * cannot be generated is reported as `missing` with the command that sets it.
   *
   * A secret init can create is not read first: it is written create-only
   * (`ifAbsent`), and a write that finds it there reports `exists` — one request
   * per new secret instead of a read and a write. Only the secrets init cannot
   * create are read (to tell `missing` from `exists`), and every secret with
   * `force` or `dryRun`. When the first writes mostly find their secrets there
   * (a re-run), the rest are read in one batch instead and only the missing ones
   * written, so a re-run costs about what a read of every secret costs.
   * Throws only when the provider cannot be used at all.
   */
  async #initializeSecrets(options: InitializeOptions): Promise<InitResult> {
    const force = options.force === true;
    const dryRun = options.dryRun === true;
    const manifest = await this.getManifest();
    const provider = await this.#manager.getProvider();
    const useDevelopment = !this.#production && provider.name === DEVELOPMENT_PROVIDER;
    const blind = new Set<string>();
    if (!force && !dryRun)
      for (const secret of manifest.secrets) if (canCreate(secret, useDevelopment)) blind.add(secret.name);
    const context = await this.#read({
      ...manifest,
      secrets: manifest.secrets.filter((s) => !blind.has(s.name)),
    });
    const rotatedAt = this.#now().toISOString();
    const run = { context, force, dryRun, rotatedAt, useDevelopment };

    const planned = manifest.secrets.map((secret) =>
      this.#planInit(secret, context.records.get(secret.name), run, blind.has(secret.name)),
    );
    const outcomes = await this.#writeInit(planned, run, typeof provider.setMany === "function");

    // Lost races on a create after a read: another process created the secret between our read and our write.
    const lost = planned.filter(
      (p): p is PlannedInit & { write: PlannedWrite } =>
        p.write?.create === true && !p.blind && outcomes.get(p.secret.name) instanceof SecretConflictError,
    );
    const winners =
      lost.length > 0
        ? await this.#readRecords(
            lost.map((p) => p.secret.name),
            context.providerName,
          )
        : undefined;

    const secrets = planned.map((plan) => {
      const result = this.#initResult(plan, outcomes.get(plan.secret.name), winners, context.providerName);
      this.#logInit(result, context.providerName, dryRun);
      return result;
    });
    const ok = this.#complete("secret.init", secrets, {
      provider: context.providerName,
      manifest: manifest.source,
      dry_run: dryRun,
      force,
    });
    return { ok, dryRun, secrets };
  }

  /**
   * The writes of init's plans (which it may change: see below). Secrets
   * planned without a read go first: on a provider that writes in batches, all
   * at once with the other writes; otherwise a first wave of `FIRST_WAVE`. When
   * every write of that wave fails for a reason that concerns the whole backend,
   * that error is thrown (as a failed read would be). When at least half of the
   * wave found its secrets there, the remaining unread secrets are read in one
   * batch and planned again from what was found; the rest is written together.
   */
  async #writeInit(
    planned: PlannedInit[],
    run: { context: Context; force: boolean; dryRun: boolean; rotatedAt: string; useDevelopment: boolean },
    batches: boolean,
  ): Promise<Map<string, WriteResult | SecretError>> {
    const { providerName } = run.context;
    const unread = planned.filter((p) => p.blind && p.write !== undefined);
    const waves = !batches && unread.length > FIRST_WAVE;
    const first = waves ? unread.slice(0, FIRST_WAVE) : planned;
    const outcomes = await this.#write(first, providerName);
    // Nothing was read before these writes: a backend that refused them all is reported as a failed read would be.
    if (unread.length > 0) {
      const errors = [...outcomes.values()].filter((o): o is SecretError => o instanceof Error);
      const whole = errors[0];
      if (
        whole !== undefined &&
        errors.length === outcomes.size &&
        isWholeBackendFailure(whole) &&
        errors.every((e) => e.code === whole.code)
      )
        throw whole;
    }
    if (!waves) return outcomes;

    const done = new Set(first.map((p) => p.secret.name));
    const conflicts = [...outcomes.values()].filter((o) => o instanceof SecretConflictError).length;
    if (conflicts * 2 >= first.length) {
      // Most secrets are there already: one batch read of the rest costs less than a write each.
      const rest = unread.filter((p) => !done.has(p.secret.name));
      const read = await this.#readRecords(
        rest.map((p) => p.secret.name),
        providerName,
      );
      // Some secrets are written already: a failed read fails the rest, each in its result.
      if (read.failure) for (const plan of rest) run.context.errors.set(plan.secret.name, read.failure);
      for (const [name, error] of read.errors) run.context.errors.set(name, error);
      for (const [name, record] of read.records) run.context.records.set(name, record);
      for (const plan of rest) {
        const again = this.#planInit(plan.secret, run.context.records.get(plan.secret.name), run, false);
        plan.result = again.result;
        plan.write = again.write;
        plan.blind = false;
      }
    }
    const remaining = await this.#write(
      planned.filter((p) => !done.has(p.secret.name)),
      providerName,
    );
    for (const [name, outcome] of remaining) outcomes.set(name, outcome);
    return outcomes;
  }

  /**
   * Replace generatable secrets with new values: all that exist, or the named
   * ones. Each write is a check-and-set against the version read (where the
   * provider supports it), so a concurrent change fails clearly instead of
   * being overwritten. All new values go out in one `setSecrets` call. An
   * unknown or non-generatable name throws a `SecretConfigError` before
   * anything is read or written.
   */
  async #rotateSecrets(names: readonly string[] | undefined, options: RotateOptions): Promise<RotateResult> {
    const dryRun = options.dryRun === true;
    const manifest = await this.getManifest();
    const named = names !== undefined && names.length > 0;
    const targets = named ? selectForRotation(manifest, names) : manifest.secrets;
    const context = await this.#read({ ...manifest, secrets: targets });
    const rotatedAt = this.#now().toISOString();

    const planned = targets.map((secret) =>
      this.#planRotate(secret, context.records.get(secret.name), { context, named, dryRun, rotatedAt }),
    );
    const outcomes = await this.#write(planned, context.providerName);
    const secrets = planned.map((plan) => {
      const result = rotateResult(plan, outcomes.get(plan.result.name), context.providerName);
      this.#logRotate(result, context.providerName, dryRun);
      return result;
    });
    const ok = this.#complete("secret.rotate", secrets, {
      provider: context.providerName,
      manifest: manifest.source,
      dry_run: dryRun,
    });
    return { ok, dryRun, secrets };
  }

  /**
   * Every planned write in one `setSecrets` call: each name's outcome. A call
   * that fails as a whole (it should not: names are valid and distinct) fails
   * every write with its error.
   */
  async #write(
    planned: ReadonlyArray<{ write?: PlannedWrite | undefined }>,
    providerName: string,
  ): Promise<Map<string, WriteResult | SecretError>> {
    const writes = planned.flatMap((p) => (p.write ? [p.write] : []));
    if (writes.length === 0) return new Map();
    try {
      return await this.#manager.setSecrets(
        writes.map(({ name, value, options }) => ({ name, value, options })),
      );
    } catch (error) {
      const out = new Map<string, WriteResult | SecretError>();
      for (const { name } of writes) out.set(name, wrapError(error, providerName, "set", name));
      return out;
    }
  }

  /**
   * Check the provider, then read every declared secret in one bulk read.
   * Never throws for provider failures: they make the report `unhealthy`.
   * Records `secret_health_check_status` and logs the outcome at info.
   */
  async #healthCheck(): Promise<HealthReport> {
    const manifest = await this.getManifest();
    const now = this.#now();
    const names = manifest.secrets.map((s) => s.name);
    let provider: ProviderHealth;
    let failure: SecretError | undefined;
    let records: Map<string, SecretRecord> | undefined;
    let errors = new Map<string, SecretError>();
    // The declared secrets are read first; the provider check comes after a good read, so
    // a provider that has just been answered can confirm it without another request (AWS
    // and Vault do), while a local check (the env provider's directory and file) still runs.
    // A failed read is the provider's failure: no check after it, which would wait out a
    // second deadline against a hung backend.
    if (names.length > 0) {
      let providerName = this.#manager.providerName;
      try {
        providerName = (await this.#manager.getProvider()).name;
        const read = await this.#readRecords(names, providerName);
        records = read.records;
        errors = read.errors;
        failure = read.failure;
      } catch (error) {
        failure = isSecretError(error) ? error : wrapError(error, providerName, "get_many");
      }
    }
    if (failure === undefined) {
      const check = await this.#manager.checkProvider();
      provider = { name: check.provider, ok: check.ok, latencyMs: check.latencyMs };
      failure = check.ok ? undefined : check.error;
    } else {
      provider = { name: this.#manager.providerName, ok: false, latencyMs: 0 };
    }
    if (failure) {
      provider.ok = false;
      provider.error = { code: failure.code, message: oneLineMessage(failure) };
    }

    const secrets = manifest.secrets.map((secret) =>
      secretHealth(secret, failure ? undefined : records, now, errors.get(secret.name)),
    );
    const summary = {
      total: secrets.length,
      ok: secrets.filter((s) => s.status === "ok").length,
      missing: secrets.filter((s) => s.status === "missing").length,
      missingRequired: secrets.filter((s) => s.status === "missing" && s.required).length,
      overdue: secrets.filter((s) => s.status === "overdue").length,
      rotationUnknown: secrets.filter((s) => s.rotation?.state === "unknown" && s.present).length,
      error: secrets.filter((s) => s.status === "error").length,
    };
    let status: HealthStatus = "healthy";
    const requiredErrors = secrets.filter((s) => s.status === "error" && s.required).length;
    if (!provider.ok || summary.missingRequired > 0 || requiredErrors > 0) status = "unhealthy";
    else if (summary.missing > 0 || summary.overdue > 0 || summary.error > 0) status = "degraded";

    const report: HealthReport = {
      status,
      checkedAt: now.toISOString(),
      manifest: manifest.source,
      provider,
      secrets,
      summary,
    };
    if (failure) reportErrors.set(report, failure);

    this.#manager.metrics.healthStatus(status, { provider: provider.name });
    const logger = this.#manager.logger;
    logger.info("secret.health", {
      status,
      provider: provider.name,
      provider_ok: provider.ok,
      latency_ms: provider.latencyMs,
      error_code: provider.error?.code,
      error: provider.error?.message,
      manifest: manifest.source,
      total: summary.total,
      missing: summary.missing,
      missing_required: summary.missingRequired,
      overdue: summary.overdue,
      rotation_unknown: summary.rotationUnknown,
    });
    for (const secret of secrets) {
      if (secret.status === "ok" && secret.rotation?.state !== "unknown") continue;
      if (secret.status === "error") continue;
      logger.info("secret.health secret", {
        name: secret.name,
        status: secret.status,
        required: secret.required,
        due_at: secret.rotation?.dueAt,
        detail: secret.message,
      });
    }
    return report;
  }

  /**
   * Resolve the provider and read the current records of `manifest`'s secrets,
   * bypassing the cache. A secret that cannot be read is in `errors` and the
   * others are read; throws only when no secret can be read at all.
   */
  async #read(manifest: Manifest): Promise<Context> {
    const provider = await this.#manager.getProvider();
    const names = manifest.secrets.map((s) => s.name);
    // Init and rotate act on what the backend holds now, not on what this process cached.
    const { records, errors, failure } = await this.#readRecords(names, provider.name);
    if (failure) throw failure;
    // The manager's snapshot, taken when it resolved the provider.
    const capabilities = await this.#manager.getCapabilities();
    return { manifest, providerName: provider.name, capabilities, records, errors };
  }

  /**
   * One batch read; when it fails, each secret on its own, so that one
   * unreadable secret (scheduled for deletion, binary, denied) is attributed to
   * that secret and does not hide the others (the manager's
   * `getSecretRecordsSettled`). Always what the backend says, never the cache.
   */
  async #readRecords(names: readonly string[], _providerName: string): Promise<ReadOutcome> {
    if (names.length === 0) return { records: new Map(), errors: new Map() };
    const { records, errors, failure } = await this.#manager.getSecretRecordsSettled(names, {
      fresh: true,
      allowStale: false,
    });
    return failure === undefined ? { records, errors } : { records, errors, failure };
  }

  /** What init does with one secret: a result already known, or a write whose outcome decides it. */
  #planInit(
    secret: ManifestSecret,
    record: SecretRecord | undefined,
    run: { context: Context; force: boolean; dryRun: boolean; rotatedAt: string; useDevelopment: boolean },
    blind: boolean,
  ): PlannedInit {
    const { name, required } = secret;
    const done = (action: InitAction, message?: string, code?: string): PlannedInit => ({
      secret,
      result: initResult(name, required, action, message, code),
      blind,
    });

    const unreadable = run.context.errors.get(name);
    if (unreadable !== undefined)
      // Whether it exists is unknown: writing could overwrite a value, so it is left alone.
      return done("failed", oneLineMessage(unreadable), unreadable.code);

    if (record !== undefined) {
      if (!run.force || secret.generate === false) return done("exists");
      if (run.dryRun) return done("regenerated");
      const options: SetOptions = {
        metadata: { ...record.metadata, [ROTATED_AT_METADATA_KEY]: run.rotatedAt },
      };
      if (run.context.capabilities.checkAndSet && record.version !== undefined)
        options.ifVersion = record.version;
      return {
        secret,
        result: initResult(name, required, "regenerated"),
        write: { name, value: generateSecret(secret.generate), options, create: false },
        blind,
      };
    }

    let value: (() => string) | undefined;
    let created: InitAction = "created";
    if (run.useDevelopment && secret.development !== undefined) {
      const development = secret.development;
      value = () => development;
      created = "development-default";
    } else if (secret.generate !== false) {
      const generator = secret.generate;
      value = () => generateSecret(generator);
    }
    if (value === undefined) {
      if (required)
        return done(
          "missing",
          `Required secret '${name}' is missing and cannot be generated: set it with secrets set ${name}`,
        );
      return done(
        "skipped",
        `Optional secret '${name}' is not set and cannot be generated: set it with secrets set ${name} if the application needs it`,
      );
    }
    if (run.dryRun) return done(created);
    return {
      secret,
      result: initResult(name, required, created),
      blind,
      write: {
        name,
        value: value(),
        // On a provider that keeps versions, the first version's `updatedAt` already is the
        // rotation time: no `rotatedAt` metadata, which costs Vault a second request per secret.
        options: run.context.capabilities.versions
          ? { ifAbsent: true }
          : { ifAbsent: true, metadata: { [ROTATED_AT_METADATA_KEY]: run.rotatedAt } },
        create: true,
      },
    };
  }

  /** One secret's init result, from its plan and the outcome of its write. */
  #initResult(
    plan: PlannedInit,
    outcome: WriteResult | SecretError | undefined,
    winners: ReadOutcome | undefined,
    providerName: string,
  ): InitSecretResult {
    const { name, required } = plan.secret;
    if (plan.write === undefined || outcome === undefined || !(outcome instanceof Error)) return plan.result;
    const failed = (error: unknown): InitSecretResult => {
      const wrapped = wrapError(error, providerName, "set", name);
      return initResult(name, required, "failed", oneLineMessage(wrapped), wrapped.code);
    };
    if (!(outcome instanceof SecretConflictError)) return failed(outcome);
    // Written without a read: the create-only write found the secret there, and left it.
    if (plan.blind && plan.write.create) return initResult(name, required, "exists");
    if (!plan.write.create)
      return initResult(
        name,
        required,
        "failed",
        `Secret '${name}' was changed by someone else while it was being regenerated and was not overwritten: run init --force again`,
        outcome.code,
      );
    // Another process created it between our read and our write: keep its value.
    if (winners?.failure) return failed(winners.failure);
    const unreadable = winners?.errors.get(name);
    if (unreadable !== undefined) return failed(unreadable);
    if (winners?.records.get(name) !== undefined)
      return initResult(
        name,
        required,
        "adopted",
        `Secret '${name}' was created by another process meanwhile; its value was kept`,
      );
    return initResult(
      name,
      required,
      "failed",
      `Secret '${name}' was created and deleted by someone else while it was being initialized: run init again`,
      "CONFLICT",
    );
  }

  /** What rotate does with one secret: a result already known, or a write whose outcome decides it. */
  #planRotate(
    secret: ManifestSecret,
    record: SecretRecord | undefined,
    run: { context: Context; named: boolean; dryRun: boolean; rotatedAt: string },
  ): PlannedRotate {
    const { name } = secret;
    const unreadable = run.context.errors.get(name);
    if (unreadable !== undefined)
      return {
        result: { name, action: "failed", code: unreadable.code, message: oneLineMessage(unreadable) },
      };
    if (secret.generate === false)
      return {
        result: {
          name,
          action: "skipped",
          message: `Secret '${name}' cannot be generated: set a new value with secrets set ${name}`,
        },
      };
    if (record === undefined) {
      return {
        result: run.named
          ? {
              name,
              action: "missing",
              message: `Secret '${name}' does not exist yet: create it with secrets init`,
            }
          : { name, action: "skipped", message: `Secret '${name}' is not set: create it with secrets init` },
      };
    }
    const result: RotateSecretResult = { name, action: "rotated" };
    if (record.version !== undefined) result.previousVersion = record.version;
    if (run.dryRun) return { result };

    const options: SetOptions = {
      metadata: { ...record.metadata, [ROTATED_AT_METADATA_KEY]: run.rotatedAt },
    };
    if (run.context.capabilities.checkAndSet && record.version !== undefined)
      options.ifVersion = record.version;
    return { result, write: { name, value: generateSecret(secret.generate), options, create: false } };
  }

  /** The run's outcome, logged once: ok unless a secret is missing or failed. */
  #complete(event: string, secrets: ReadonlyArray<{ action: string }>, fields: LogFields): boolean {
    const ok = secrets.every((s) => s.action !== "missing" && s.action !== "failed");
    this.#manager.logger.info(`${event} completed`, { ...fields, ok, ...countActions(secrets) });
    return ok;
  }

  #logInit(result: InitSecretResult, provider: string, dryRun: boolean): void {
    const logger = this.#manager.logger;
    const fields = {
      name: result.name,
      action: result.action,
      provider,
      dry_run: dryRun,
      detail: result.message,
    };
    if (result.action === "failed" || (result.action === "missing" && !dryRun))
      logger.warn("secret.init", fields);
    else if (result.action !== "exists") logger.info("secret.init", fields);
  }

  #logRotate(result: RotateSecretResult, provider: string, dryRun: boolean): void {
    const logger = this.#manager.logger;
    const fields = {
      name: result.name,
      action: result.action,
      provider,
      dry_run: dryRun,
      previous_version: result.previousVersion,
      version: result.version,
      detail: result.message,
    };
    if (result.action === "failed" || result.action === "missing") logger.warn("secret.rotate", fields);
    else logger.info("secret.rotate", fields);
  }
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

/** Whether init can create `secret` when it is missing: it is generatable, or has a development value to use. */
function canCreate(secret: ManifestSecret, useDevelopment: boolean): boolean {
  return secret.generate !== false || (useDevelopment && secret.development !== undefined);
}

function initResult(
  name: string,
  required: boolean,
  action: InitAction,
  message?: string,
  code?: string,
): InitSecretResult {
  const out: InitSecretResult = { name, required, action };
  if (message !== undefined) out.message = message;
  if (code !== undefined) out.code = code;
  return out;
}

/** One secret's rotate result, from its plan and the outcome of its write. */
function rotateResult(
  plan: PlannedRotate,
  outcome: WriteResult | SecretError | undefined,
  providerName: string,
): RotateSecretResult {
  const { result } = plan;
  const { name } = result;
  if (plan.write === undefined || outcome === undefined) return result;
  if (outcome instanceof Error) {
    const wrapped = wrapError(outcome, providerName, "set", name);
    const message =
      outcome instanceof SecretConflictError
        ? `Secret '${name}' was changed by someone else since it was read and was not overwritten: check it, then rotate again`
        : oneLineMessage(wrapped);
    const failed: RotateSecretResult = { name, action: "failed", code: wrapped.code, message };
    if (result.previousVersion !== undefined) failed.previousVersion = result.previousVersion;
    return failed;
  }
  const out: RotateSecretResult = { ...result };
  if (outcome.version !== undefined) out.version = outcome.version;
  return out;
}

/** The manifest entries `names` refer to; throws before any I/O for an unknown or non-generatable name. */
function selectForRotation(manifest: Manifest, names: readonly string[]): ManifestSecret[] {
  const byName = new Map(manifest.secrets.map((s) => [s.name, s]));
  const out: ManifestSecret[] = [];
  for (const name of new Set(names)) {
    const secret = typeof name === "string" ? byName.get(name) : undefined;
    if (!secret)
      throw new SecretConfigError(
        `Unknown secret ${describeName(name)}: it is not declared in the manifest (${manifest.source})`,
        typeof name === "string" ? { field: name } : {},
      );
    if (secret.generate === false)
      throw new SecretConfigError(
        `Secret '${secret.name}' cannot be rotated: it is not generatable (generate: false in ${manifest.source}); set a new value with secrets set ${secret.name}`,
        { field: secret.name },
      );
    out.push(secret);
  }
  return out;
}

function secretHealth(
  secret: ManifestSecret,
  records: Map<string, SecretRecord> | undefined,
  now: Date,
  error?: SecretError,
): SecretHealth {
  const { name, required } = secret;
  if (error)
    return {
      name,
      required,
      present: false,
      status: "error",
      code: error.code,
      message: oneLineMessage(error),
    };
  if (records === undefined) {
    return {
      name,
      required,
      present: false,
      status: "error",
      message: `Secret '${name}' could not be checked: the provider failed`,
    };
  }
  const record = records.get(name);
  if (record === undefined) {
    const fix = secret.generate === false ? `set it with secrets set ${name}` : "create it with secrets init";
    const out: SecretHealth = {
      name,
      required,
      present: false,
      status: "missing",
      message: required
        ? `Required secret '${name}' not found: ${fix}`
        : `Optional secret '${name}' is not set: ${fix} if the application needs it`,
    };
    if (secret.rotation) out.rotation = { period: secret.rotation.text, overdue: false, state: "unknown" };
    return out;
  }
  const out: SecretHealth = { name, required, present: true, status: "ok" };
  if (secret.rotation) {
    const rotation: RotationHealth = { period: secret.rotation.text, overdue: false, state: "unknown" };
    const last = lastRotated(record);
    if (last) {
      const due = new Date(last.getTime() + secret.rotation.ms);
      rotation.lastRotated = last.toISOString();
      rotation.dueAt = due.toISOString();
      rotation.overdue = now.getTime() > due.getTime();
      rotation.state = rotation.overdue ? "overdue" : "current";
    }
    out.rotation = rotation;
    if (rotation.overdue) {
      out.status = "overdue";
      out.message = `Secret '${name}' is due for rotation since ${rotation.dueAt} (every ${secret.rotation.text}): run secrets rotate ${name}`;
    } else if (rotation.state === "unknown") {
      out.message = `Secret '${name}' has no known rotation date: rotate it once to start tracking (every ${secret.rotation.text})`;
    }
  }
  return out;
}

/** The `rotatedAt` metadata when valid, else the provider's `updatedAt`. */
function lastRotated(record: SecretRecord): Date | undefined {
  const stamp = record.metadata?.[ROTATED_AT_METADATA_KEY];
  if (typeof stamp === "string") {
    const time = Date.parse(stamp);
    if (!Number.isNaN(time)) return new Date(time);
  }
  const updated = record.updatedAt;
  if (updated instanceof Date && !Number.isNaN(updated.getTime())) return updated;
  return undefined;
}

/** An error's message as one line of bounded length, for results and reports. Core has already scrubbed it. */
function oneLineMessage(error: SecretError): string {
  const text = error.message.replace(/\s+/g, " ").trim();
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}

function countActions(results: ReadonlyArray<{ action: string }>): Record<string, number> {
  const counts: Record<string, number> = Object.create(null);
  for (const { action } of results) {
    const key = action.replace(/-/g, "_");
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
