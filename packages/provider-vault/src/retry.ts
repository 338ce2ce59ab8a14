/**
 * The retry policy: which failures are retried (5xx but 501 and a sealed
 * Vault, 429, network errors) and how long to wait before the next attempt
 * (exponential backoff with jitter, capped), never past the caller's deadline.
 */
import { backoffDelay } from "@org/secrets-core/provider";
import type { Failure } from "./failure.js";
import { knownPhrases, PHRASE } from "./phrases.js";
import type { VaultRequest } from "./request.js";

const MAX_BACKOFF_MS = 2_000;

export function isRetryable(failure: Failure): boolean {
  if (failure.kind === "network") return true;
  if (failure.kind !== "http") return false;
  if (failure.status === 429) return true;
  if (failure.status === 503 && knownPhrases(failure.errors).includes(PHRASE.sealed)) return false;
  return failure.status >= 500 && failure.status !== 501;
}

/** The wait before retrying after `attempt` (0-based) failed, or `undefined` when no retry may start. */
export function retryDelay(
  request: VaultRequest,
  failure: Failure,
  attempt: number,
  policy: { maxRetries: number; retryDelayMs: number },
): number | undefined {
  const delay = backoffDelay(attempt, { baseMs: policy.retryDelayMs, capMs: MAX_BACKOFF_MS });
  // No retry once the caller gave up, or when the wait alone would pass the deadline.
  const retryable =
    isRetryable(failure) &&
    !request.signal?.aborted &&
    (request.deadline === undefined || Date.now() + delay < request.deadline);
  if (!retryable || attempt >= Math.max(0, policy.maxRetries)) return undefined;
  return delay;
}
