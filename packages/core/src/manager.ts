/**
 * `SecretManager`, the one entry point applications use. It owns everything
 * providers should not: name validation, value checks, deadlines, the TTL cache
 * with stale-if-error, coalescing of concurrent reads, bounded concurrency for
 * bulk reads, metrics, debug logging and error wrapping. It never logs or throws
 * a secret value. This file is the façade; each job lives in its own module.
 */
import { type CacheEntry, SecretCache, settledValue } from "./cache.js";
import { CachedReads } from "./cached-reads.js";
import type {
  DeleteOptions,
  ResolvedCapabilities,
  SecretProvider,
  SecretRecord,
  WriteEntry,
  WriteManyOptions,
  WriteResult,
} from "./contract.js";
import { checkNameList, statusDetails, statusWarnings } from "./contract-check.js";
import { Deadline } from "./deadline.js";
import { NotSupportedError, type SecretError, SecretNotFoundError } from "./errors.js";
import { Instrumentation } from "./instrumentation.js";
import { type Logger, silentLogger } from "./logger.js";
import {
  type GetOptions,
  managerSettings,
  type ProviderCheckResult,
  type SecretManagerOptions,
  type SetOptions,
  type SettledRecords,
} from "./manager-options.js";
import type { ManagerParts } from "./manager-parts.js";
import { SecretMetrics } from "./metrics.js";
import { wrapError } from "./provider-error.js";
import { ProviderHandle } from "./provider-handle.js";
import { readSettled } from "./settled-reads.js";
import { deleteOne, restoreOne, writeMany, writeOne } from "./writes.js";

/** Marks managers from any copy of this package, so `instanceof` holds across copies (ESM beside CJS). */
const BRAND = Symbol.for("@org/secrets-core.SecretManager");

export class SecretManager {
  /**
   * `instanceof` also holds for a manager made by another copy of core (the
   * ESM and the CommonJS build in one process): it carries the same brand.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class being tested, on purpose
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return (
      // biome-ignore lint/complexity/noThisInStatic: a subclass is matched by its own prototype chain only
      this === SecretManager &&
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }

  readonly #parts: ManagerParts;
  readonly #handle: ProviderHandle;
  readonly #reads: CachedReads;

  constructor(options: SecretManagerOptions) {
    const handle = new ProviderHandle(options.provider, options.providerName);
    const settings = managerSettings(options);
    const cache = new SecretCache({
      ttlMs: settings.cacheTtlMs,
      staleIfErrorMs: settings.staleIfErrorMs,
      now: settings.now,
    });
    const logger = options.logger ?? silentLogger;
    const metrics = new SecretMetrics(options.meterProvider, options.tracerProvider);
    this.#handle = handle;
    this.#parts = {
      handle,
      deadline: new Deadline(settings.timeoutMs, handle),
      cache,
      ops: new Instrumentation(metrics, logger, handle, settings.now),
      concurrency: settings.concurrency,
      staleWaitMs: settings.staleWaitMs,
      now: settings.now,
    };
    this.#reads = new CachedReads(this.#parts);
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The provider's short name (`env`, `vault`, `aws`...). */
  get providerName(): string {
    return this.#handle.name;
  }

  get logger(): Logger {
    return this.#parts.ops.logger;
  }

  get metrics(): SecretMetrics {
    return this.#parts.ops.metrics;
  }

  /** The deadline of every provider call, in milliseconds. */
  get timeoutMs(): number {
    return this.#parts.deadline.timeoutMs;
  }

  /**
   * The provider, resolving it first if it was given lazily. Resolving is bounded
   * by the call deadline: past it this rejects with `SecretTimeoutError`, and the
   * next call tries again (a resolution that completes late is kept if none other
   * succeeded meanwhile, else closed).
   */
  getProvider(): Promise<SecretProvider> {
    return this.#handle.resolve(this.#parts.deadline);
  }

  /** The provider's capabilities, as they were when it was resolved (frozen). */
  async getCapabilities(): Promise<Readonly<ResolvedCapabilities>> {
    await this.getProvider();
    return this.#handle.capabilities();
  }

  /** The secret's value, or `undefined` when it does not exist. Rejects when the provider cannot be asked. */
  getSecret(name: string, options?: GetOptions): Promise<string | undefined> {
    // Not an async method: a cache hit hands back the entry's own settled promise.
    try {
      const hit = this.#hit(name, options);
      if (hit !== undefined) return settledValue(hit);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#readValue(name, options);
  }

  async #readValue(name: string, options: GetOptions | undefined): Promise<string | undefined> {
    return (await this.#reads.record(name, options ?? {}))?.value;
  }

  /** The secret's value; rejects with `SecretNotFoundError` (`Required secret 'NAME' not found`) when missing. */
  getRequiredSecret(name: string, options?: GetOptions): Promise<string> {
    try {
      const hit = this.#hit(name, options);
      if (hit !== undefined)
        return hit.record === undefined
          ? Promise.reject(this.#notFound(name))
          : (settledValue(hit) as Promise<string>);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#readRequired(name, options ?? {});
  }

  async #readRequired(name: string, options: GetOptions): Promise<string> {
    const record = await this.#reads.record(name, options);
    // The read was counted as `missing`: a missing secret is an answer, not a provider error.
    if (record === undefined) throw this.#notFound(name);
    return record.value;
  }

  /** The fresh cache entry a read with `options` may take (counted as a hit), or `undefined` to ask the provider. */
  #hit(name: string, options: GetOptions | undefined): CacheEntry | undefined {
    if (options !== undefined && (options.version !== undefined || options.fresh)) return undefined;
    return this.#reads.hit(name);
  }

  #notFound(name: string): SecretNotFoundError {
    return new SecretNotFoundError(undefined, { secret: name, provider: this.#handle.name });
  }

  /**
   * The secret with its version and metadata, or `undefined` when it does not exist.
   * Past its TTL, a cached value inside its stale window is served when the
   * refresh fails or has not succeeded within `staleWaitMs` (see the README).
   */
  getSecretRecord(name: string, options: GetOptions = {}): Promise<SecretRecord | undefined> {
    return this.#reads.record(name, options);
  }

  /**
   * Several secrets at once, in the fewest backend calls: fresh cached values
   * first, then one batch read where the provider has one, else reads with
   * bounded concurrency. Missing names are absent from the result.
   */
  async getSecrets(
    names: readonly string[],
    options: Pick<GetOptions, "fresh" | "allowStale"> = {},
  ): Promise<Map<string, string>> {
    const records = await this.#reads.records(names, options);
    const out = new Map<string, string>();
    for (const [name, record] of records) out.set(name, record.value);
    return out;
  }

  /**
   * Like `getSecrets`, with versions and metadata. Each name follows the rules of
   * a single read: a name with a stale cached entry gets it when the refresh fails
   * or is slow; a name without one fails the whole call when its read fails. With
   * `fresh`, cached values are not served but still stand in when the backend fails.
   */
  getSecretRecords(
    names: readonly string[],
    options: Pick<GetOptions, "fresh" | "allowStale" | "metadata"> = {},
  ): Promise<Map<string, SecretRecord>> {
    return this.#reads.records(names, options);
  }

  /**
   * `getSecretRecords`, with failures told apart per name: one bulk read, and
   * when it fails, each name read on its own (with the manager's concurrency)
   * so that one unreadable secret does not hide the others. A failure of the
   * whole backend (a deadline, an unreachable or misconfigured provider,
   * refused credentials) is not retried per name: it comes back as `failure`,
   * as does the bulk read's error when every name failed on its own too.
   * Never rejects for a backend failure.
   */
  getSecretRecordsSettled(
    names: readonly string[],
    options: Pick<GetOptions, "fresh" | "allowStale" | "metadata"> = {},
  ): Promise<SettledRecords> {
    return readSettled(this.#reads, () => this.#handle.name, this.#parts.concurrency, names, options);
  }

  /**
   * Create or replace a secret. Resolves `true` on success and throws on failure
   * (never a silent `false`). With `ifAbsent` or `ifVersion` the write is a
   * check-and-set and a lost race throws `SecretConflictError`.
   */
  async setSecret(name: string, value: string, options: SetOptions = {}): Promise<boolean> {
    await writeOne(this.#parts, name, value, options);
    return true;
  }

  /**
   * `setSecret`, resolving to what the provider reports of the write (the new
   * version, where kept). A value that is not well-formed UTF-16 text, or larger
   * than the provider's `maxValueBytes`, is refused with `InvalidSecretValueError`
   * before anything is sent.
   */
  writeSecret(name: string, value: string, options: SetOptions = {}): Promise<WriteResult> {
    return writeOne(this.#parts, name, value, options);
  }

  /**
   * Write several secrets, each as `writeSecret` writes one (`ifAbsent`,
   * `ifVersion`, `metadata`), in as few backend calls as the provider allows:
   * one `setMany` call under one deadline where the provider has `setMany`
   * (and `checkAndSet`, when an entry asks for a check), else single writes
   * with at most `concurrency` in flight, each under its own deadline.
   *
   * Resolves with every entry's outcome by name, in the entries' order: its
   * `WriteResult`, or the `SecretError` that concerns that entry alone (a value
   * that is not well-formed text or over `maxValueBytes`, which is never sent;
   * a `SecretConflictError`; a backend failure) while the others are written.
   * Rejects before anything is sent for an invalid name or a name given twice,
   * when the provider cannot be resolved, or with `options.signal`'s reason.
   */
  setSecrets(
    entries: readonly WriteEntry[],
    options: WriteManyOptions = {},
  ): Promise<Map<string, WriteResult | SecretError>> {
    return writeMany(this.#parts, entries, options);
  }

  /** Delete a secret. Resolves `true` if it existed, `false` if it did not. */
  deleteSecret(name: string, options: DeleteOptions = {}): Promise<boolean> {
    return deleteOne(this.#parts, name, options);
  }

  /** Cancel a scheduled deletion (providers with a recovery window). */
  restoreSecret(name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return restoreOne(this.#parts, name, options.signal);
  }

  /** Names of the secrets the provider holds, sorted (capability `list`). */
  async listSecrets(): Promise<string[]> {
    const provider = await this.getProvider();
    if (!this.#handle.capabilities().list || typeof provider.list !== "function")
      throw new NotSupportedError(undefined, { provider: provider.name, feature: "listing secrets" });
    const list = provider.list.bind(provider);
    const names = await this.#parts.ops.call("list", "", provider, undefined, async () => {
      const answer: unknown = await this.#parts.deadline.run("list", "", (signal) => list({ signal }));
      checkNameList(answer, provider.name);
      return answer;
    });
    return [...names].sort();
  }

  /** Is the backend reachable with working credentials? Never throws. */
  async checkProvider(): Promise<ProviderCheckResult> {
    const { ops, deadline, now } = this.#parts;
    const started = ops.begin("check", "");
    let provider: SecretProvider;
    try {
      provider = await ops.metrics.within(started.span, () => this.getProvider());
    } catch (error) {
      const wrapped = wrapError(error, this.#handle.name, "check");
      ops.fail("check", "", wrapped, started);
      return { ok: false, provider: this.#handle.name, latencyMs: 0, error: wrapped };
    }
    try {
      const status = await ops.metrics.within(started.span, () =>
        deadline.run("check", "", (signal) => provider.check({ signal })),
      );
      const latencyMs = now() - started.at;
      ops.record("check", "", "success", started);
      const warnings = statusWarnings(status);
      return {
        ok: true,
        provider: provider.name,
        latencyMs,
        details: statusDetails(status),
        ...(warnings ? { warnings } : {}),
      };
    } catch (error) {
      const wrapped = wrapError(error, provider.name, "check");
      ops.fail("check", "", wrapped, started);
      return { ok: false, provider: provider.name, latencyMs: now() - started.at, error: wrapped };
    }
  }

  /** Drop cached values: one name, or all. */
  invalidate(name?: string): void {
    if (name === undefined) this.#parts.cache.clear();
    else this.#parts.cache.invalidate(name);
  }

  /**
   * Drop cached values and close the provider (its `close`, when it has one),
   * under the call deadline: a `close` that never settles rejects with
   * `SecretTimeoutError`, and a failing one with its error, scrubbed like any
   * provider error.
   */
  async close(): Promise<void> {
    this.#parts.cache.clear();
    const provider = this.#handle.current;
    if (provider === undefined || typeof provider.close !== "function") return;
    const close = provider.close.bind(provider);
    try {
      await this.#parts.deadline.run("close", "", () => close());
    } catch (error) {
      throw wrapError(error, provider.name, "close");
    }
  }
}
