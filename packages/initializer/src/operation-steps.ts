/**
 * What init, rotate and health share: reading records fresh from the backend,
 * writing planned values in one call, one-line messages and the completion log.
 */
import type {
  LogFields,
  ProviderCapabilities,
  SecretError,
  SecretManager,
  SecretRecord,
  SetOptions,
  WriteResult,
} from "@org/secrets-core";
import { wrapError } from "@org/secrets-core/provider";
import type { Manifest } from "./manifest.js";

/** Metadata key under which the time of the last generation or rotation is stored (ISO 8601). */
export const ROTATED_AT_METADATA_KEY = "rotatedAt";

/** What an operation needs from the initializer that runs it. */
export interface OperationDeps {
  readonly manager: SecretManager;
  readonly now: () => Date;
  /** Whether production rules apply (no development values). */
  readonly production: boolean;
}

/** What init and rotate read before planning: the records there are, and who holds them. */
export interface Context {
  manifest: Manifest;
  providerName: string;
  capabilities: ProviderCapabilities;
  records: Map<string, SecretRecord>;
  /** Secrets that could not be read, each with its own error; the others were read. */
  errors: Map<string, SecretError>;
}

/** What reading a list of secrets gave: the records found, per-secret failures, or a failure of the whole provider. */
export interface ReadOutcome {
  records: Map<string, SecretRecord>;
  errors: Map<string, SecretError>;
  /** Set when no secret could be read at all: the provider itself is failing. */
  failure?: SecretError;
}

/** A write init or rotate will make. */
export interface PlannedWrite {
  name: string;
  value: string;
  options: Omit<SetOptions, "signal">;
  /** A create-only write (`ifAbsent`), whose lost race adopts the winner's value. */
  create: boolean;
}

/**
 * Resolve the provider and read the current records of `manifest`'s secrets,
 * bypassing the cache. A secret that cannot be read is in `errors` and the
 * others are read; throws only when no secret can be read at all.
 */
export async function readContext(manager: SecretManager, manifest: Manifest): Promise<Context> {
  const provider = await manager.getProvider();
  const names = manifest.secrets.map((s) => s.name);
  // Init and rotate act on what the backend holds now, not on what this process cached.
  const { records, errors, failure } = await readRecords(manager, names);
  if (failure) throw failure;
  // The manager's snapshot, taken when it resolved the provider.
  const capabilities = await manager.getCapabilities();
  return { manifest, providerName: provider.name, capabilities, records, errors };
}

/**
 * One batch read; when it fails, each secret on its own, so that one
 * unreadable secret (scheduled for deletion, binary, denied) is attributed to
 * that secret and does not hide the others (the manager's
 * `getSecretRecordsSettled`). Always what the backend says, never the cache.
 */
export async function readRecords(manager: SecretManager, names: readonly string[]): Promise<ReadOutcome> {
  if (names.length === 0) return { records: new Map(), errors: new Map() };
  const { records, errors, failure } = await manager.getSecretRecordsSettled(names, {
    fresh: true,
    allowStale: false,
  });
  return failure === undefined ? { records, errors } : { records, errors, failure };
}

/**
 * Every planned write in one `setSecrets` call: each name's outcome. A call
 * that fails as a whole (it should not: names are valid and distinct) fails
 * every write with its error.
 */
export async function writePlanned(
  manager: SecretManager,
  planned: ReadonlyArray<{ write?: PlannedWrite | undefined }>,
  providerName: string,
): Promise<Map<string, WriteResult | SecretError>> {
  const writes: PlannedWrite[] = [];
  for (const { write } of planned) if (write) writes.push(write);
  if (writes.length === 0) return new Map();
  try {
    // A planned write is an entry as it is (`create` is the initializer's own, and not read).
    return await manager.setSecrets(writes);
  } catch (error) {
    const out = new Map<string, WriteResult | SecretError>();
    for (const { name } of writes) out.set(name, wrapError(error, providerName, "set", name));
    return out;
  }
}

/**
 * Write failures after which the value may have been stored all the same: the
 * answer was lost (a deadline passed, the connection dropped) or the backend
 * answered with an error after it may have acted.
 */
const UNCERTAIN_WRITE_CODES: ReadonlySet<string> = new Set([
  "TIMEOUT",
  "PROVIDER_UNAVAILABLE",
  "PROVIDER_ERROR",
]);

/**
 * Settle the writes whose failure leaves it unknown whether the value was
 * stored: those secrets are read back, fresh, in one batch. One that now holds
 * the value written was stored, and its outcome becomes that success; one that
 * holds anything else, or nothing, was not, and its failure stands. Returns
 * the names that could not be read back either: whether they were stored is
 * still unknown.
 */
export async function confirmUncertainWrites(
  manager: SecretManager,
  planned: ReadonlyArray<{ write?: PlannedWrite | undefined }>,
  outcomes: Map<string, WriteResult | SecretError>,
): Promise<Set<string>> {
  const uncertain: PlannedWrite[] = [];
  for (const { write } of planned) {
    const outcome = write === undefined ? undefined : outcomes.get(write.name);
    if (write !== undefined && outcome instanceof Error && UNCERTAIN_WRITE_CODES.has(outcome.code))
      uncertain.push(write);
  }
  const unknown = new Set<string>();
  if (uncertain.length === 0) return unknown;
  let read: ReadOutcome;
  try {
    read = await readRecords(
      manager,
      uncertain.map((w) => w.name),
    );
  } catch {
    for (const { name } of uncertain) unknown.add(name);
    return unknown;
  }
  for (const write of uncertain) {
    const record = read.records.get(write.name);
    if (record !== undefined && record.value === write.value)
      outcomes.set(write.name, record.version === undefined ? {} : { version: record.version });
    else if (read.failure !== undefined || read.errors.has(write.name)) unknown.add(write.name);
  }
  return unknown;
}

/** Appended to the failure of a write that may have been stored all the same. */
export const MAYBE_STORED =
  "; the provider may have stored the new value all the same and it could not be read back to tell: check with secrets health before relying on either value";

/** The run's outcome, logged once: ok unless a secret is missing or failed. */
export function completeRun(
  manager: SecretManager,
  event: string,
  secrets: ReadonlyArray<{ action: string }>,
  fields: LogFields,
): boolean {
  const ok = secrets.every((s) => s.action !== "missing" && s.action !== "failed");
  manager.logger.info(`${event} completed`, { ...fields, ok, ...countActions(secrets) });
  return ok;
}

/** An error's message as one line of bounded length, for results and reports. Core has already scrubbed it. */
export function oneLineMessage(error: SecretError): string {
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
