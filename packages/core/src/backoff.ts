/**
 * Exponential backoff with jitter, shared by everything in the toolkit that
 * waits and tries again (lock contention, check-and-set retries, backend
 * requests): a random delay between half and all of `min(capMs, baseMs · 2^attempt)`.
 */
import { MAX_TIMEOUT_MS } from "./config.js";

/**
 * `ms` as a timer can hold it: Node fires a timer of more than 2^31 - 1 ms
 * (about 24.8 days) after 1 ms instead, so longer delays are shortened to
 * that. Anything not a positive number is 0.
 */
export function timerDelay(ms: number): number {
  return ms > 0 ? Math.min(MAX_TIMEOUT_MS, ms) : 0;
}

export function backoffDelay(attempt: number, options: { baseMs: number; capMs: number }): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Resolve after `ms` (at most MAX_TIMEOUT_MS, about 24.8 days: a longer timer
 * would fire at once), or at once when `signal` aborts (never rejects).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, timerDelay(ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}
