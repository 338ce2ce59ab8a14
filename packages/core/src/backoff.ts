/**
 * Exponential backoff with jitter, shared by everything in the toolkit that
 * waits and tries again (lock contention, check-and-set retries, backend
 * requests): a random delay between half and all of `min(capMs, baseMs · 2^attempt)`.
 */
export function backoffDelay(attempt: number, options: { baseMs: number; capMs: number }): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Resolve after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
