/**
 * Instrumentation of provider operations: each one's span, request and error
 * counts, duration, and debug log line, and the warnings of the stale-if-error
 * path. It never sees a value: names are validated identifiers, scrubbed anyway.
 */
import type { Attributes, Span } from "@opentelemetry/api";
import type { SecretProvider } from "./contract.js";
import type { SecretError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { SecretMetrics } from "./metrics.js";
import { monotonicMs } from "./monotonic.js";
import { wrapError } from "./provider-error.js";
import { redact } from "./redact.js";

export type Operation = "get" | "get_many" | "set" | "delete" | "list" | "check" | "restore";

/** One provider operation under way: when it began (by the manager's clock and precisely) and its span. */
export interface OperationStart {
  /** `now()` at the start, for log durations. */
  readonly at: number;
  /** `monotonicMs()` at the start, for the duration histogram. */
  readonly precise: number;
  readonly span: Span;
}

export class Instrumentation {
  readonly metrics: SecretMetrics;
  readonly logger: Logger;
  /** Debug lines are built only when the logger would write them. */
  readonly debug: boolean;
  readonly #source: { readonly name: string };
  readonly #now: () => number;

  /** `source` names the provider as it is known at the moment of each record (it changes once resolved). */
  constructor(metrics: SecretMetrics, logger: Logger, source: { readonly name: string }, now: () => number) {
    this.metrics = metrics;
    this.logger = logger;
    this.debug = logger.isLevelEnabled?.("debug") ?? true;
    this.#source = source;
    this.#now = now;
  }

  /**
   * A provider operation begins: its span starts (a child of the caller's active
   * span). Spans carry the provider, the operation and, for single-secret
   * operations, the secret's name (a validated identifier, scrubbed like a log
   * line); a batch carries its size. Never a value.
   */
  begin(operation: Operation, name: string, count?: number): OperationStart {
    const span = this.metrics.startSpan(`secret.${operation}`);
    // Until a tracer provider is registered the span records nothing: build no attributes for it.
    if (span.isRecording()) {
      const attributes: Attributes = { "secret.provider": this.#source.name, "secret.operation": operation };
      if (name !== "") attributes["secret.name"] = redact(name);
      if (count !== undefined) attributes["secret.count"] = count;
      span.setAttributes(attributes);
    }
    return { at: this.#now(), precise: monotonicMs(), span };
  }

  /** Seconds since `started` (precisely when it is an `OperationStart`) and its start on the manager's clock. */
  #elapsed(started: number | OperationStart): { seconds: number; ms: number } {
    if (typeof started === "number") {
      const ms = this.#now() - started;
      return { seconds: Math.max(0, ms) / 1000, ms };
    }
    return { seconds: Math.max(0, monotonicMs() - started.precise) / 1000, ms: this.#now() - started.at };
  }

  /** An operation ended with an answer: counted, timed, its span ended, logged at debug. */
  record(operation: Operation, name: string, outcome: string, started: number | OperationStart): void {
    const provider = this.#source.name;
    const { seconds, ms } = this.#elapsed(started);
    this.metrics.request({ provider, operation, outcome });
    this.metrics.duration(seconds, { provider, operation, outcome });
    if (typeof started !== "number")
      this.metrics.endSpan(started.span, { outcome }, { "secret.provider": provider });
    if (this.debug) this.log(operation, name, outcome, ms);
  }

  /**
   * `record` for each of `names`, answered by one call (a batch, timed from
   * `started` on the manager's clock): each is counted and timed as it would
   * be alone, with one attributes object for them all, and none built while
   * no meter provider is there to report to.
   */
  recordEach(operation: Operation, names: readonly string[], outcome: string, started: number): void {
    if (names.length === 0) return;
    const { seconds, ms } = this.#elapsed(started);
    if (this.metrics.reporting) {
      const attributes = Object.freeze({ provider: this.#source.name, operation, outcome });
      for (let i = 0; i < names.length; i++) {
        this.metrics.request(attributes);
        this.metrics.duration(seconds, attributes);
      }
    }
    if (this.debug) for (const name of names) this.log(operation, name, outcome, ms);
  }

  /** An operation failed: counted (request and error), timed, its span ended with the error code. */
  fail(operation: Operation, name: string, error: SecretError, started: number | OperationStart): void {
    const provider = this.#source.name;
    const { seconds, ms } = this.#elapsed(started);
    this.metrics.request({ provider, operation, outcome: "error" });
    this.metrics.error({ provider, operation, code: error.code });
    this.metrics.duration(seconds, { provider, operation, outcome: "error" });
    if (typeof started !== "number")
      this.metrics.endSpan(
        started.span,
        { outcome: "error", code: error.code },
        { "secret.provider": provider },
      );
    if (this.debug)
      this.logger.debug(`secret.${operation}`, {
        name: name || undefined,
        provider,
        outcome: "error",
        error_code: error.code,
        error: error.message,
        duration_ms: ms,
      });
  }

  log(operation: Operation, name: string, outcome: string, durationMs: number): void {
    this.logger.debug(`secret.${operation}`, {
      name: name || undefined,
      provider: this.#source.name,
      outcome,
      duration_ms: durationMs,
    });
  }

  /**
   * One operation: counted, logged at debug, and any failure wrapped (with no
   * value in it). A caller's own abort reaches the caller unwrapped.
   */
  async call<T>(
    operation: Operation,
    name: string,
    provider: SecretProvider,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
    outcome: (result: T) => string = () => "success",
    values: readonly string[] = [],
  ): Promise<T> {
    const started = this.begin(operation, name);
    try {
      const result = await this.metrics.within(started.span, fn);
      this.record(operation, name, outcome(result), started);
      return result;
    } catch (error) {
      if (signal?.aborted && error === signal.reason) {
        this.record(operation, name, "aborted", started);
        throw error;
      }
      const wrapped = wrapError(error, provider.name, operation, name || undefined, { values });
      this.fail(operation, name, wrapped, started);
      throw wrapped;
    }
  }

  /** A reader was served a stale value: counted each time, warned about once per refresh (`warn`). */
  servedStale(
    operation: Operation,
    name: string,
    warn: boolean,
    error: SecretError | undefined,
    staleWaitMs: number,
  ): void {
    this.metrics.request({ provider: this.#source.name, operation, outcome: "stale" });
    if (!warn) return;
    if (error)
      this.logger.warn(`secret.${operation} served a stale cached value after a provider failure`, {
        name,
        provider: this.#source.name,
        error_code: error.code,
      });
    else
      this.logger.warn(
        `secret.${operation} served a stale cached value while the provider is slow; refreshing in the background`,
        { name, provider: this.#source.name, wait_ms: staleWaitMs },
      );
  }

  /** A refresh no reader waits for any more failed: the stale value stays. */
  backgroundFailure(operation: Operation, name: string, error: SecretError): void {
    this.logger.warn(`secret.${operation} background refresh failed; the stale cached value stays`, {
      name: name || undefined,
      provider: this.#source.name,
      error_code: error.code,
    });
  }
}
