/**
 * The deadline of every provider call: the call's signal aborts at it and the
 * caller gets `SecretTimeoutError` even if the provider never settles.
 */
import { SecretTimeoutError } from "./errors.js";
import type { Operation } from "./instrumentation.js";
import { markOwnError } from "./provider-error.js";

export class Deadline {
  /** The deadline of every provider call, in milliseconds. */
  readonly timeoutMs: number;
  readonly #source: { readonly name: string };

  /** `source` names the provider in the timeout error, as it is known when the deadline passes. */
  constructor(timeoutMs: number, source: { readonly name: string }) {
    this.timeoutMs = timeoutMs;
    this.#source = source;
  }

  /**
   * Run one provider call under the deadline. `fn` gets a signal that aborts at
   * the deadline (or when `outer` aborts); the returned promise rejects then with
   * `SecretTimeoutError` (or `outer`'s reason) even if the provider never settles.
   * The timer is cleared as soon as the call settles.
   */
  run<T>(
    operation: Operation | "connect" | "close",
    name: string,
    fn: (signal: AbortSignal) => Promise<T>,
    outer?: AbortSignal | undefined,
    what?: string,
  ): Promise<T> {
    const controller = new AbortController();
    const timeoutMs = this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        clearTimeout(timer);
        outer?.removeEventListener("abort", onAbort);
        return true;
      };
      const timer = setTimeout(() => {
        if (!finish()) return;
        const provider = this.#source.name;
        const error = markOwnError(
          new SecretTimeoutError(
            what === undefined
              ? undefined
              : `Secret provider '${provider}' did not answer within ${timeoutMs / 1000} s (${what})`,
            { provider, operation, timeoutMs, secret: name || undefined },
          ),
        );
        controller.abort(error);
        reject(error);
      }, timeoutMs);
      // Not unref'd: a provider that waits on no socket (a promise that never settles)
      // must still end at its deadline rather than let the process exit mid-call.
      const onAbort = () => {
        if (!finish()) return;
        controller.abort(outer?.reason);
        reject(outer?.reason);
      };
      if (outer?.aborted) return onAbort();
      outer?.addEventListener("abort", onAbort, { once: true });
      let pending: Promise<T>;
      try {
        pending = Promise.resolve(fn(controller.signal));
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          if (finish()) resolve(value);
        },
        (error: unknown) => {
          if (finish()) reject(error);
        },
      );
    });
  }
}
