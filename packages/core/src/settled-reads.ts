/**
 * Bulk reads with failures told apart per name: a failure of the whole backend
 * comes back once, any other failure sends each name to its own read.
 */
import type { CachedReads } from "./cached-reads.js";
import { mapConcurrent } from "./concurrency.js";
import type { SecretRecord } from "./contract.js";
import { isSecretError, type SecretError } from "./errors.js";
import type { GetOptions, SettledRecords } from "./manager-options.js";
import { wrapError } from "./provider-error.js";

const WHOLE_BACKEND_FAILURES: ReadonlySet<string> = new Set([
  "TIMEOUT",
  "PROVIDER_UNAVAILABLE",
  "AUTHENTICATION_FAILED",
  "PROVIDER_NOT_CONFIGURED",
  "PROVIDER_NOT_INSTALLED",
  "PROVIDER_INVALID",
  "INVALID_CONFIG",
]);

/**
 * Whether an error means the backend as a whole could not be asked, whatever
 * the secret (a deadline, an unreachable or misconfigured provider, refused
 * credentials): asking again about another secret would fail the same way.
 */
export function isWholeBackendFailure(error: { code: string }): boolean {
  return WHOLE_BACKEND_FAILURES.has(error.code);
}

/** `SecretManager.getSecretRecordsSettled`. */
export async function readSettled(
  reads: CachedReads,
  providerName: () => string,
  concurrency: number,
  names: readonly string[],
  options: Pick<GetOptions, "fresh" | "allowStale" | "metadata">,
): Promise<SettledRecords> {
  const errors = new Map<string, SecretError>();
  try {
    return { records: await reads.records(names, options), errors };
  } catch (error) {
    // The manager's own reads throw SecretErrors already (wrapped and scrubbed).
    const failure = isSecretError(error) ? error : wrapError(error, providerName(), "get_many");
    const records = new Map<string, SecretRecord>();
    if (WHOLE_BACKEND_FAILURES.has(failure.code)) return { records, errors, failure };
    const unique = [...new Set(names)];
    await mapConcurrent(unique, concurrency, async (name) => {
      try {
        const record = await reads.record(name, options);
        if (record) records.set(name, record);
      } catch (each) {
        errors.set(name, isSecretError(each) ? each : wrapError(each, providerName(), "get", name));
      }
    });
    if (unique.length > 0 && errors.size === unique.length) return { records, errors, failure };
    return { records, errors };
  }
}
