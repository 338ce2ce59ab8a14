/**
 * `init`: create the secrets a manifest declares that are missing, create-only,
 * never touching an existing value unless forced, never inventing one that
 * cannot be generated.
 */
import {
  SecretConflictError,
  type SecretError,
  type SecretRecord,
  type SetOptions,
  type WriteResult,
} from "@org/secrets-core";
import { isWholeBackendFailure, wrapError } from "@org/secrets-core/provider";
import { generateSecret } from "./generators.js";
import type { Manifest, ManifestSecret } from "./manifest.js";
import {
  type Context,
  completeRun,
  confirmUncertainWrites,
  MAYBE_STORED,
  type OperationDeps,
  oneLineMessage,
  type PlannedWrite,
  type ReadOutcome,
  ROTATED_AT_METADATA_KEY,
  readContext,
  readRecords,
  writePlanned,
} from "./operation-steps.js";
import type { InitAction, InitResult, InitSecretResult } from "./results.js";

export interface InitializeOptions {
  /** Regenerate every generatable secret, replacing existing values. */
  force?: boolean | undefined;
  /** Read and report, write nothing. */
  dryRun?: boolean | undefined;
}

interface PlannedInit {
  secret: ManifestSecret;
  /** The result, or with `write`, the result if the write succeeds. */
  result: InitSecretResult;
  write?: PlannedWrite | undefined;
  /** Planned without reading the secret: a create-only write that finds it there means `exists`. */
  blind: boolean;
}

interface InitRun {
  context: Context;
  force: boolean;
  dryRun: boolean;
  rotatedAt: string;
  useDevelopment: boolean;
  /** The options of every create-only write. */
  createOptions: PlannedWrite["options"];
}

/**
 * Creates sent before deciding whether the rest are written without a read
 * (most of them are new) or read first (most already exist: a re-run).
 */
const FIRST_WAVE = 16;

/**
 * Create what is missing; never touch an existing value (unless `force`).
 * Generatable secrets get a generated value; a missing required secret that
 * cannot be generated is reported as `missing` with the command that sets it.
 * A manifest's `development` value is used only outside production, on a
 * provider that declares the `localDevelopment` trait.
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
export async function initializeSecrets(
  deps: OperationDeps,
  manifest: Manifest,
  options: InitializeOptions,
): Promise<InitResult> {
  const { manager } = deps;
  const force = options.force === true;
  const dryRun = options.dryRun === true;
  const provider = await manager.getProvider();
  const useDevelopment = !deps.production && provider.traits?.localDevelopment === true;
  const blind = new Set<string>();
  if (!force && !dryRun)
    for (const secret of manifest.secrets) if (canCreate(secret, useDevelopment)) blind.add(secret.name);
  const context = await readContext(manager, {
    ...manifest,
    secrets: manifest.secrets.filter((s) => !blind.has(s.name)),
  });
  const rotatedAt = deps.now().toISOString();
  const run: InitRun = {
    context,
    force,
    dryRun,
    rotatedAt,
    useDevelopment,
    // On a provider that keeps versions, the first version's `updatedAt` already is the
    // rotation time: no `rotatedAt` metadata, which costs Vault a second request per secret.
    // Every create carries the same options, frozen: one object shared by all of them.
    createOptions: Object.freeze(
      context.capabilities.versions
        ? { ifAbsent: true }
        : { ifAbsent: true, metadata: Object.freeze({ [ROTATED_AT_METADATA_KEY]: rotatedAt }) },
    ),
  };

  const planned = manifest.secrets.map((secret) =>
    planInit(secret, context.records.get(secret.name), run, blind.has(secret.name)),
  );
  const outcomes = await writeInit(deps, planned, run, typeof provider.setMany === "function");
  // A write whose answer was lost is read back: never reported failed when it was stored.
  const unknown = await confirmUncertainWrites(manager, planned, outcomes);

  // Lost races on a create after a read: another process created the secret between our read and our write.
  const lost = planned.filter(
    (p): p is PlannedInit & { write: PlannedWrite } =>
      p.write?.create === true && !p.blind && outcomes.get(p.secret.name) instanceof SecretConflictError,
  );
  const winners =
    lost.length > 0
      ? await readRecords(
          manager,
          lost.map((p) => p.secret.name),
        )
      : undefined;

  const secrets = planned.map((plan) => {
    const result = initOutcome(
      plan,
      outcomes.get(plan.secret.name),
      winners,
      context.providerName,
      unknown.has(plan.secret.name),
    );
    logInit(deps, result, context.providerName, dryRun);
    return result;
  });
  const ok = completeRun(manager, "secret.init", secrets, {
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
async function writeInit(
  deps: OperationDeps,
  planned: PlannedInit[],
  run: InitRun,
  batches: boolean,
): Promise<Map<string, WriteResult | SecretError>> {
  const { providerName } = run.context;
  const unread = planned.filter((p) => p.blind && p.write !== undefined);
  const waves = !batches && unread.length > FIRST_WAVE;
  const first = waves ? unread.slice(0, FIRST_WAVE) : planned;
  const outcomes = await writePlanned(deps.manager, first, providerName);
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
    const read = await readRecords(
      deps.manager,
      rest.map((p) => p.secret.name),
    );
    // Some secrets are written already: a failed read fails the rest, each in its result.
    if (read.failure) for (const plan of rest) run.context.errors.set(plan.secret.name, read.failure);
    for (const [name, error] of read.errors) run.context.errors.set(name, error);
    for (const [name, record] of read.records) run.context.records.set(name, record);
    for (const plan of rest) {
      const again = planInit(plan.secret, run.context.records.get(plan.secret.name), run, false);
      plan.result = again.result;
      plan.write = again.write;
      plan.blind = false;
    }
  }
  const remaining = await writePlanned(
    deps.manager,
    planned.filter((p) => !done.has(p.secret.name)),
    providerName,
  );
  for (const [name, outcome] of remaining) outcomes.set(name, outcome);
  return outcomes;
}

/** What init does with one secret: a result already known, or a write whose outcome decides it. */
function planInit(
  secret: ManifestSecret,
  record: SecretRecord | undefined,
  run: InitRun,
  blind: boolean,
): PlannedInit {
  const { name, required } = secret;
  const unreadable = run.context.errors.get(name);
  if (unreadable !== undefined)
    // Whether it exists is unknown: writing could overwrite a value, so it is left alone.
    return known(secret, blind, "failed", oneLineMessage(unreadable), unreadable.code);

  if (record !== undefined) {
    if (!run.force || secret.generate === false) return known(secret, blind, "exists");
    if (run.dryRun) return known(secret, blind, "regenerated");
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

  // A manifest's development value, outside production on a provider for local development; else a generated one.
  const development = run.useDevelopment && secret.development !== undefined;
  if (!development && secret.generate === false) {
    if (required)
      return known(
        secret,
        blind,
        "missing",
        `Required secret '${name}' is missing and cannot be generated: set it with secrets set ${name}`,
      );
    return known(
      secret,
      blind,
      "skipped",
      `Optional secret '${name}' is not set and cannot be generated: set it with secrets set ${name} if the application needs it`,
    );
  }
  const created: InitAction = development ? "development-default" : "created";
  if (run.dryRun) return known(secret, blind, created);
  return {
    secret,
    result: initResult(name, required, created),
    blind,
    write: {
      name,
      value: development
        ? (secret.development as string)
        : generateSecret(secret.generate as Exclude<ManifestSecret["generate"], false>),
      options: run.createOptions,
      create: true,
    },
  };
}

/** A plan whose result is known without a write. */
function known(
  secret: ManifestSecret,
  blind: boolean,
  action: InitAction,
  message?: string,
  code?: string,
): PlannedInit {
  return { secret, result: initResult(secret.name, secret.required, action, message, code), blind };
}

/** One secret's init result, from its plan and the outcome of its write. */
function initOutcome(
  plan: PlannedInit,
  outcome: WriteResult | SecretError | undefined,
  winners: ReadOutcome | undefined,
  providerName: string,
  maybeStored: boolean,
): InitSecretResult {
  const { name, required } = plan.secret;
  if (plan.write === undefined || outcome === undefined || !(outcome instanceof Error)) return plan.result;
  const failed = (error: unknown, suffix = ""): InitSecretResult => {
    const wrapped = wrapError(error, providerName, "set", name);
    return initResult(name, required, "failed", `${oneLineMessage(wrapped)}${suffix}`, wrapped.code);
  };
  if (!(outcome instanceof SecretConflictError)) return failed(outcome, maybeStored ? MAYBE_STORED : "");
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

function logInit(deps: OperationDeps, result: InitSecretResult, provider: string, dryRun: boolean): void {
  const logger = deps.manager.logger;
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
