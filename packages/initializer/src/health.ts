/**
 * `health`: check the provider and every declared secret in one bulk read, and
 * report presence and rotation state as plain data.
 */
import { isSecretError, type SecretError, type SecretRecord } from "@org/secrets-core";
import { wrapError } from "@org/secrets-core/provider";
import type { Manifest, ManifestSecret } from "./manifest.js";
import {
  type OperationDeps,
  oneLineMessage,
  ROTATED_AT_METADATA_KEY,
  readRecords,
} from "./operation-steps.js";
import type { HealthReport, HealthStatus, ProviderHealth, RotationHealth, SecretHealth } from "./results.js";

/**
 * A health check's report and, apart from it, the provider error that made it
 * unhealthy: the report is plain data for `--json`, the error keeps its class
 * for `startupApplication` to throw.
 */
export interface HealthOutcome {
  report: HealthReport;
  failure?: SecretError | undefined;
}

/**
 * Check the provider, then read every declared secret in one bulk read.
 * Never throws for provider failures: they make the report `unhealthy`.
 * Records `secret_health_check_status` and logs the outcome at info.
 */
export async function checkHealth(deps: OperationDeps, manifest: Manifest): Promise<HealthOutcome> {
  const { manager } = deps;
  const now = deps.now();
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
    let providerName = manager.providerName;
    try {
      providerName = (await manager.getProvider()).name;
      const read = await readRecords(manager, names);
      records = read.records;
      errors = read.errors;
      failure = read.failure;
    } catch (error) {
      failure = isSecretError(error) ? error : wrapError(error, providerName, "get_many");
    }
  }
  if (failure === undefined) {
    const check = await manager.checkProvider();
    provider = { name: check.provider, ok: check.ok, latencyMs: check.latencyMs };
    if (check.ok && check.warnings?.length) provider.warnings = [...check.warnings];
    failure = check.ok ? undefined : check.error;
  } else {
    provider = { name: manager.providerName, ok: false, latencyMs: 0 };
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
  else if (summary.missing > 0 || summary.overdue > 0 || summary.error > 0 || provider.warnings !== undefined)
    status = "degraded";

  const report: HealthReport = {
    status,
    checkedAt: now.toISOString(),
    manifest: manifest.source,
    provider,
    secrets,
    summary,
  };

  manager.metrics.healthStatus(status, { provider: provider.name });
  const logger = manager.logger;
  logger.info("secret.health", {
    status,
    provider: provider.name,
    provider_ok: provider.ok,
    latency_ms: provider.latencyMs,
    error_code: provider.error?.code,
    error: provider.error?.message,
    provider_warnings: provider.warnings?.join("; "),
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
  return failure ? { report, failure } : { report };
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
    const last = lastRotated(record, now);
    const due = last === undefined ? undefined : new Date(last.getTime() + secret.rotation.ms);
    // A date past the last one a Date can hold is no due date (and cannot be written as one).
    if (last !== undefined && due !== undefined && !Number.isNaN(due.getTime())) {
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

/** How far ahead of this clock another machine's may be: a later rotation date is not believed. */
const CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * The `rotatedAt` metadata when valid, else the provider's `updatedAt`. A date
 * after `now` (beyond clock skew) is not valid: metadata is whatever the
 * backend holds, and a rotation dated in the future would hide an overdue one.
 */
function lastRotated(record: SecretRecord, now: Date): Date | undefined {
  const latest = now.getTime() + CLOCK_SKEW_MS;
  const stamp = record.metadata?.[ROTATED_AT_METADATA_KEY];
  if (typeof stamp === "string") {
    const time = Date.parse(stamp);
    if (!Number.isNaN(time) && time <= latest) return new Date(time);
  }
  const updated = record.updatedAt;
  if (updated instanceof Date && !Number.isNaN(updated.getTime()) && updated.getTime() <= latest)
    return updated;
  return undefined;
}
