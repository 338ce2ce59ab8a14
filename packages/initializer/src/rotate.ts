/**
 * `rotate`: replace generatable secrets with new values, each written against
 * the version read, so a concurrent change fails instead of being overwritten.
 */
import {
  SecretConfigError,
  SecretConflictError,
  type SecretError,
  type SecretRecord,
  type SetOptions,
  type WriteResult,
} from "@org/secrets-core";
import { describeName, wrapError } from "@org/secrets-core/provider";
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
  ROTATED_AT_METADATA_KEY,
  readContext,
  writePlanned,
} from "./operation-steps.js";
import type { RotateResult, RotateSecretResult } from "./results.js";

export interface RotateOptions {
  /** Read and report, write nothing. */
  dryRun?: boolean | undefined;
}

interface PlannedRotate {
  /** The result, or with `write`, the result if the write succeeds. */
  result: RotateSecretResult;
  write?: PlannedWrite | undefined;
}

interface RotateRun {
  context: Context;
  named: boolean;
  dryRun: boolean;
  rotatedAt: string;
}

/**
 * Replace generatable secrets with new values: all that exist, or the named
 * ones. Each write is a check-and-set against the version read (where the
 * provider supports it), so a concurrent change fails clearly instead of
 * being overwritten. All new values go out in one `setSecrets` call. An
 * unknown or non-generatable name throws a `SecretConfigError` before
 * anything is read or written.
 */
export async function rotateSecrets(
  deps: OperationDeps,
  manifest: Manifest,
  names: readonly string[] | undefined,
  options: RotateOptions,
): Promise<RotateResult> {
  const dryRun = options.dryRun === true;
  const named = names !== undefined && names.length > 0;
  const targets = named ? selectForRotation(manifest, names) : manifest.secrets;
  const context = await readContext(deps.manager, { ...manifest, secrets: targets });
  const rotatedAt = deps.now().toISOString();

  const planned = targets.map((secret) =>
    planRotate(secret, context.records.get(secret.name), { context, named, dryRun, rotatedAt }),
  );
  const outcomes = await writePlanned(deps.manager, planned, context.providerName);
  // A write whose answer was lost is read back: never reported failed when it was stored.
  const unknown = await confirmUncertainWrites(deps.manager, planned, outcomes);
  const secrets = planned.map((plan) => {
    const result = rotateOutcome(
      plan,
      outcomes.get(plan.result.name),
      context.providerName,
      unknown.has(plan.result.name),
    );
    logRotate(deps, result, context.providerName, dryRun);
    return result;
  });
  const ok = completeRun(deps.manager, "secret.rotate", secrets, {
    provider: context.providerName,
    manifest: manifest.source,
    dry_run: dryRun,
  });
  return { ok, dryRun, secrets };
}

/** What rotate does with one secret: a result already known, or a write whose outcome decides it. */
function planRotate(secret: ManifestSecret, record: SecretRecord | undefined, run: RotateRun): PlannedRotate {
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

/** One secret's rotate result, from its plan and the outcome of its write. */
function rotateOutcome(
  plan: PlannedRotate,
  outcome: WriteResult | SecretError | undefined,
  providerName: string,
  maybeStored: boolean,
): RotateSecretResult {
  const { result } = plan;
  const { name } = result;
  if (plan.write === undefined || outcome === undefined) return result;
  if (outcome instanceof Error) {
    const wrapped = wrapError(outcome, providerName, "set", name);
    const message =
      outcome instanceof SecretConflictError
        ? `Secret '${name}' was changed by someone else since it was read and was not overwritten: check it, then rotate again`
        : `${oneLineMessage(wrapped)}${maybeStored ? MAYBE_STORED : ""}`;
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

function logRotate(deps: OperationDeps, result: RotateSecretResult, provider: string, dryRun: boolean): void {
  const fields = {
    name: result.name,
    action: result.action,
    provider,
    dry_run: dryRun,
    previous_version: result.previousVersion,
    version: result.version,
    detail: result.message,
  };
  if (result.action === "failed" || result.action === "missing")
    deps.manager.logger.warn("secret.rotate", fields);
  else deps.manager.logger.info("secret.rotate", fields);
}
