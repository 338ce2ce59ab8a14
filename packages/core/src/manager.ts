import type { Attributes, MeterProvider, Span, TracerProvider } from "@opentelemetry/api";
import { type CacheEntry, SecretCache } from "./cache.js";
import { mapConcurrent } from "./concurrency.js";
import {
  DEFAULT_CACHE_TTL_SECONDS,
  DEFAULT_STALE_IF_ERROR_SECONDS,
  DEFAULT_STALE_WAIT_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  MAX_TIMEOUT_MS,
} from "./config.js";
import {
  capabilitiesOf,
  type DeleteOptions,
  type ReadOptions,
  type ResolvedCapabilities,
  type SecretProvider,
  type SecretRecord,
  type WriteEntry,
  type WriteManyOptions,
  type WriteOptions,
  type WriteResult,
} from "./contract.js";
import {
  InvalidSecretValueError,
  isSecretError,
  NotSupportedError,
  ProviderInvalidError,
  SecretConfigError,
  SecretConflictError,
  type SecretError,
  SecretNotFoundError,
  SecretTimeoutError,
} from "./errors.js";
import { type Logger, silentLogger } from "./logger.js";
import { SecretMetrics } from "./metrics.js";
import { assertValidSecretName } from "./names.js";
import { markOwnError, wrapError } from "./provider-error.js";
import { redact, registerSecretValue } from "./redact.js";

/** The value size limit when a provider declares no `maxValueBytes`: 1 MiB of UTF-8. */
export const DEFAULT_MAX_VALUE_BYTES = 1_048_576;

export interface SecretManagerOptions {
  /** A provider instance, or a function that resolves one on first use (bounded by `timeoutMs`). */
  provider: SecretProvider | (() => Promise<SecretProvider>);
  /** Name to use in logs and errors before a lazy provider is resolved. */
  providerName?: string;
  /** Cache time-to-live in milliseconds (default 300 000; 0 turns caching off). */
  cacheTtlMs?: number;
  /** How long past its TTL a cached value may still be served (default 900 000). */
  staleIfErrorMs?: number;
  /**
   * How long a read of a value past its TTL (but inside its stale window) waits
   * for the refresh before it serves the stale value (default 1 000). The refresh
   * goes on in the background and updates the cache when it succeeds.
   */
  staleWaitMs?: number;
  /**
   * The deadline of every provider call, in milliseconds (default 10 000). The
   * call's `AbortSignal` aborts then, and the manager rejects with `SecretTimeoutError`.
   */
  timeoutMs?: number;
  logger?: Logger;
  /** Defaults to the global OpenTelemetry meter provider. */
  meterProvider?: MeterProvider;
  /** Defaults to the global OpenTelemetry tracer provider. */
  tracerProvider?: TracerProvider;
  /** Most backend calls in flight for bulk operations (default 8). */
  concurrency?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface GetOptions {
  /** A provider-specific version id, or `"previous"`. Needs the `versions` capability; never cached. */
  version?: string | undefined;
  /** Ask the backend even when a fresh cached value exists. */
  fresh?: boolean | undefined;
  /** With `false`, a backend failure is thrown even when a cached value could stand in (default `true`). */
  allowStale?: boolean | undefined;
  /**
   * Also ask for `createdAt`, `updatedAt` and custom `metadata`, which some
   * providers fetch with an extra request (AWS: tags and creation date). Such
   * reads go to the backend and are never cached, like `version` reads.
   */
  metadata?: boolean | undefined;
}

export interface SetOptions extends Omit<WriteOptions, "signal"> {
  /** Give up early: the provider call is aborted and the write rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export interface ProviderCheckResult {
  ok: boolean;
  provider: string;
  latencyMs: number;
  details?: Record<string, string | number | boolean> | undefined;
  error?: SecretError | undefined;
}

type Operation = "get" | "get_many" | "set" | "delete" | "list" | "check" | "restore";

/** One provider operation under way: when it began (by the manager's clock and precisely) and its span. */
interface OperationStart {
  /** `now()` at the start, for log durations. */
  readonly at: number;
  /** `performance.now()` at the start, for the duration histogram. */
  readonly precise: number;
  readonly span: Span;
}

/** Shared by every reader of one refresh (all names of one batch share one). */
interface RefreshState {
  /** A reader stopped waiting and served a stale value: a later failure is logged here. */
  abandoned: boolean;
  /** The one warning for serving stale values from this refresh has been logged. */
  warned: boolean;
}

/** A backend read of one name in flight, which readers start or join. */
interface Refresh {
  readonly promise: Promise<SecretRecord | undefined>;
  readonly state: RefreshState;
  /** When the backend call began: the stale wait counts from here, not from when a reader joined. */
  readonly startedAt: number;
}

/**
 * The one entry point applications use. It owns everything providers should not:
 * name validation, value checks, deadlines, the TTL cache with stale-if-error,
 * coalescing of concurrent reads, bounded concurrency for bulk reads, metrics,
 * debug logging and error wrapping. It never logs or throws a secret value.
 */
/** What `getSecretRecordsSettled` found: records, per-name errors, and a failure of the whole read. */
export interface SettledRecords {
  records: Map<string, SecretRecord>;
  /** Names that could not be read, each with its own error. */
  errors: Map<string, SecretError>;
  /** Set when nothing could be read: the backend as a whole failed. */
  failure?: SecretError | undefined;
}

/**
 * Whether an error means the backend as a whole could not be asked, whatever
 * the secret (a deadline, an unreachable or misconfigured provider, refused
 * credentials): asking again about another secret would fail the same way.
 */
export function isWholeBackendFailure(error: { code: string }): boolean {
  return WHOLE_BACKEND_FAILURES.has(error.code);
}

const WHOLE_BACKEND_FAILURES: ReadonlySet<string> = new Set([
  "TIMEOUT",
  "PROVIDER_UNAVAILABLE",
  "AUTHENTICATION_FAILED",
  "PROVIDER_NOT_CONFIGURED",
  "PROVIDER_NOT_INSTALLED",
  "PROVIDER_INVALID",
  "INVALID_CONFIG",
]);

export class SecretManager {
  readonly #source: SecretProvider | (() => Promise<SecretProvider>);
  #provider: SecretProvider | undefined;
  /** Taken once, when the provider is received: later changes to the provider object are ignored. */
  #capabilities: Readonly<ResolvedCapabilities> | undefined;
  #resolving: Promise<SecretProvider> | undefined;
  #providerName: string;
  readonly #cache: SecretCache;
  readonly #inflight = new Map<string, Refresh>();
  readonly #logger: Logger;
  readonly #debug: boolean;
  readonly #metrics: SecretMetrics;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #staleWaitMs: number;
  readonly #now: () => number;

  constructor(options: SecretManagerOptions) {
    this.#source = options.provider;
    if (typeof options.provider !== "function") {
      checkProviderShape(options.provider, options.provider?.name ?? "provider");
      this.#provider = options.provider;
      this.#capabilities = capabilitiesOf(options.provider);
    }
    this.#providerName = this.#provider?.name ?? options.providerName ?? "unknown";
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = durationOption("timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_SECONDS * 1000, 1);
    this.#staleWaitMs = durationOption(
      "staleWaitMs",
      options.staleWaitMs,
      DEFAULT_STALE_WAIT_SECONDS * 1000,
      0,
    );
    this.#cache = new SecretCache({
      ttlMs: options.cacheTtlMs ?? DEFAULT_CACHE_TTL_SECONDS * 1000,
      staleIfErrorMs: options.staleIfErrorMs ?? DEFAULT_STALE_IF_ERROR_SECONDS * 1000,
      now: this.#now,
    });
    this.#logger = options.logger ?? silentLogger;
    this.#debug = this.#logger.isLevelEnabled?.("debug") ?? true;
    this.#metrics = new SecretMetrics(options.meterProvider, options.tracerProvider);
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** The provider's short name (`env`, `vault`, `aws`…). */
  get providerName(): string {
    return this.#providerName;
  }

  get logger(): Logger {
    return this.#logger;
  }

  get metrics(): SecretMetrics {
    return this.#metrics;
  }

  /** The deadline of every provider call, in milliseconds. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * The provider, resolving it first if it was given lazily. Resolving is bounded
   * by the call deadline: past it this rejects with `SecretTimeoutError`, and the
   * next call tries again (a resolution that completes late is kept if none other
   * succeeded meanwhile, else closed).
   */
  async getProvider(): Promise<SecretProvider> {
    if (this.#provider) return this.#provider;
    if (this.#resolving === undefined) {
      const source = this.#source as () => Promise<SecretProvider>;
      const attempt = (async () => {
        const provider = await source();
        checkProviderShape(provider, this.#providerName);
        if (this.#provider !== undefined && this.#provider !== provider) {
          await provider.close?.().catch(() => undefined);
          return this.#provider;
        }
        this.#provider = provider;
        this.#capabilities = capabilitiesOf(provider);
        this.#providerName = provider.name;
        return provider;
      })();
      attempt.catch(() => undefined);
      this.#resolving = attempt;
    }
    const resolving = this.#resolving;
    try {
      return await this.#bounded("connect", "", () => resolving);
    } catch (error) {
      if (this.#resolving === resolving) this.#resolving = undefined;
      throw error;
    }
  }

  /** The provider's capabilities, as they were when it was resolved (frozen). */
  async getCapabilities(): Promise<Readonly<ResolvedCapabilities>> {
    await this.getProvider();
    return this.#capabilitiesNow();
  }

  /** The snapshot of the resolved provider's capabilities (call after `getProvider`). */
  #capabilitiesNow(): Readonly<ResolvedCapabilities> {
    if (this.#capabilities === undefined) throw new Error("the provider is not resolved yet");
    return this.#capabilities;
  }

  /** The secret's value, or `undefined` when it does not exist. Throws when the provider cannot be asked. */
  async getSecret(name: string, options?: GetOptions): Promise<string | undefined> {
    if (options === undefined || (options.version === undefined && !options.fresh)) {
      const hit = this.#cachedRead(name);
      if (hit !== undefined) return hit.record?.value;
    }
    return (await this.getSecretRecord(name, options))?.value;
  }

  /** The hot path: a fresh cache entry for a valid name, counted and logged, or `undefined`. */
  #cachedRead(name: string): { readonly record: SecretRecord | undefined } | undefined {
    const entry = this.#cache.fresh(name);
    if (entry === undefined) return undefined;
    // Only valid names are ever stored, so a hit needs no validation.
    this.#metrics.cachedRead(this.#providerName);
    if (this.#debug) this.#log("get", name, entry.record ? "hit" : "hit_missing", 0);
    return entry;
  }

  /** The secret's value; throws `SecretNotFoundError` (`Required secret 'NAME' not found`) when missing. */
  async getRequiredSecret(name: string, options: GetOptions = {}): Promise<string> {
    const record = await this.getSecretRecord(name, options);
    // The read was counted as `missing`: a missing secret is an answer, not a provider error.
    if (record === undefined)
      throw new SecretNotFoundError(undefined, { secret: name, provider: this.#providerName });
    return record.value;
  }

  /**
   * The secret with its version and metadata, or `undefined` when it does not exist.
   * Past its TTL, a cached value inside its stale window is served when the
   * refresh fails or has not succeeded within `staleWaitMs` (see the README).
   */
  async getSecretRecord(name: string, options: GetOptions = {}): Promise<SecretRecord | undefined> {
    assertValidSecretName(name);
    if (options.version !== undefined || options.metadata === true)
      return this.#readDirect(name, { version: options.version, metadata: options.metadata });

    if (!options.fresh) {
      const hit = this.#cachedRead(name);
      if (hit !== undefined) return hit.record;
    }
    const cached = this.#cache.enabled ? this.#cache.lookup(name) : ({ state: "none" } as const);
    const standIn = cached.state !== "none" && options.allowStale !== false ? cached.entry : undefined;
    const refresh = this.#startRead(name, !options.fresh);
    return this.#settle(name, refresh, standIn, !options.fresh, "get");
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
    const records = await this.getSecretRecords(names, options);
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
  async getSecretRecords(
    names: readonly string[],
    options: Pick<GetOptions, "fresh" | "allowStale" | "metadata"> = {},
  ): Promise<Map<string, SecretRecord>> {
    const unique = [...new Set(names)];
    for (const name of unique) assertValidSecretName(name);
    if (options.metadata === true) return this.#readManyDirect(unique);
    const out = new Map<string, SecretRecord>();
    const toFetch: string[] = [];
    const standIns = new Map<string, CacheEntry>();
    for (const name of unique) {
      const cached = this.#cache.enabled ? this.#cache.lookup(name) : ({ state: "none" } as const);
      if (cached.state === "fresh" && !options.fresh) {
        this.#metrics.cachedRead(this.#providerName);
        if (cached.record) out.set(name, cached.record);
        continue;
      }
      if (cached.state !== "none" && options.allowStale !== false) standIns.set(name, cached.entry);
      toFetch.push(name);
    }
    if (toFetch.length === 0) return out;

    // A provider that cannot be resolved leaves every name to the single-read rules.
    const provider = await this.getProvider().catch(() => undefined);
    if (
      provider === undefined ||
      !this.#capabilitiesNow().batchRead ||
      typeof provider.getMany !== "function" ||
      toFetch.length === 1
    ) {
      const records = await mapConcurrent(toFetch, this.#concurrency, (name) =>
        this.getSecretRecord(name, { fresh: options.fresh, allowStale: options.allowStale }),
      );
      toFetch.forEach((name, i) => {
        const record = records[i];
        if (record) out.set(name, record);
      });
      return out;
    }

    const refreshes = new Map<string, Refresh>();
    const batch: string[] = [];
    for (const name of toFetch) {
      const pending = options.fresh ? undefined : this.#inflight.get(name);
      if (pending) refreshes.set(name, pending);
      else batch.push(name);
    }
    if (batch.length === 1) refreshes.set(batch[0] as string, this.#startRead(batch[0] as string, false));
    else if (batch.length > 1)
      for (const [name, r] of this.#startBatch(provider, batch)) refreshes.set(name, r);

    const records = await Promise.all(
      toFetch.map((name) =>
        this.#settle(name, refreshes.get(name) as Refresh, standIns.get(name), !options.fresh, "get_many"),
      ),
    );
    toFetch.forEach((name, i) => {
      const record = records[i];
      if (record) out.set(name, record);
    });
    return out;
  }

  /**
   * Create or replace a secret. Resolves `true` on success and throws on failure
   * (never a silent `false`). With `ifAbsent` or `ifVersion` the write is a
   * check-and-set and a lost race throws `SecretConflictError`.
   */
  async setSecret(name: string, value: string, options: SetOptions = {}): Promise<boolean> {
    await this.writeSecret(name, value, options);
    return true;
  }

  /**
   * `setSecret`, resolving to what the provider reports of the write (the new
   * version, where kept). A value that is not well-formed UTF-16 text, or larger
   * than the provider's `maxValueBytes`, is refused with `InvalidSecretValueError`
   * before anything is sent.
   */
  async writeSecret(name: string, value: string, options: SetOptions = {}): Promise<WriteResult> {
    assertValidSecretName(name);
    if (typeof value !== "string")
      throw new InvalidSecretValueError(undefined, { secret: name, reason: "a value must be a string" });
    if (!isWellFormedText(value))
      throw new InvalidSecretValueError(undefined, {
        secret: name,
        reason:
          "the value is not well-formed text (it holds a lone UTF-16 surrogate, which has no UTF-8 form)",
      });
    const provider = await this.getProvider();
    const limit = provider.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    // A UTF-16 code unit is at most 3 bytes of UTF-8: only long values need counting.
    if (value.length * 3 > limit) {
      const bytes = Buffer.byteLength(value, "utf8");
      if (bytes > limit)
        throw new InvalidSecretValueError(undefined, {
          secret: name,
          reason: `the value is ${bytes} bytes of UTF-8, over the ${limit}-byte limit of secret provider '${provider.name}'`,
        });
    }
    registerSecretValue(value);
    const capabilities = this.#capabilitiesNow();
    const { signal, metadata, ...rest } = options;
    this.#cache.invalidate(name);
    try {
      return await this.#call(
        "set",
        name,
        provider,
        signal,
        async () => {
          if (options.ifVersion !== undefined && !capabilities.checkAndSet)
            throw new NotSupportedError(undefined, {
              provider: provider.name,
              feature: "check-and-set writes (ifVersion)",
            });
          const writeOptions: WriteOptions = { ...rest };
          if (metadata && capabilities.metadata) writeOptions.metadata = metadata;
          if (options.ifAbsent && !capabilities.checkAndSet) {
            // Best effort for providers without atomic create: look first.
            delete writeOptions.ifAbsent;
            const existing = await this.#bounded(
              "get",
              name,
              (s) => provider.get(name, { signal: s }),
              signal,
            );
            if (existing !== undefined)
              throw new SecretConflictError(`Secret '${name}' already exists`, {
                provider: provider.name,
                secret: name,
              });
          }
          const result = await this.#bounded(
            "set",
            name,
            (s) => provider.set(name, value, { ...writeOptions, signal: s }),
            signal,
          );
          return result && typeof result === "object" && typeof result.version === "string"
            ? { version: result.version }
            : {};
        },
        undefined,
        [value],
      );
    } finally {
      this.#cache.invalidate(name);
    }
  }

  /** Delete a secret. Resolves `true` if it existed, `false` if it did not. */
  async deleteSecret(name: string, options: DeleteOptions = {}): Promise<boolean> {
    assertValidSecretName(name);
    const provider = await this.getProvider();
    const { signal, ...rest } = options;
    this.#cache.invalidate(name);
    try {
      const existed = await this.#call(
        "delete",
        name,
        provider,
        signal,
        () => this.#bounded("delete", name, (s) => provider.delete(name, { ...rest, signal: s }), signal),
        (done) => (done ? "success" : "missing"),
      );
      return existed === true;
    } finally {
      this.#cache.invalidate(name);
    }
  }

  /** Cancel a scheduled deletion (providers with a recovery window). */
  async restoreSecret(name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    assertValidSecretName(name);
    const provider = await this.getProvider();
    if (typeof provider.restore !== "function")
      throw new NotSupportedError(undefined, {
        provider: provider.name,
        feature: "restoring deleted secrets",
      });
    const restore = provider.restore.bind(provider);
    this.#cache.invalidate(name);
    await this.#call("restore", name, provider, options.signal, () =>
      this.#bounded("restore", name, (s) => restore(name, { signal: s }), options.signal),
    );
  }

  /** Names of the secrets the provider holds, sorted (capability `list`). */
  async listSecrets(): Promise<string[]> {
    const provider = await this.getProvider();
    if (!this.#capabilitiesNow().list || typeof provider.list !== "function")
      throw new NotSupportedError(undefined, { provider: provider.name, feature: "listing secrets" });
    const list = provider.list.bind(provider);
    const names = await this.#call("list", "", provider, undefined, () =>
      this.#bounded("list", "", (signal) => list({ signal })),
    );
    return [...names].sort();
  }

  /** Is the backend reachable with working credentials? Never throws. */
  async checkProvider(): Promise<ProviderCheckResult> {
    const started = this.#begin("check", "");
    let provider: SecretProvider;
    try {
      provider = await this.#metrics.within(started.span, () => this.getProvider());
    } catch (error) {
      const wrapped = wrapError(error, this.#providerName, "check");
      this.#fail("check", "", wrapped, started);
      return { ok: false, provider: this.#providerName, latencyMs: 0, error: wrapped };
    }
    try {
      const status = await this.#metrics.within(started.span, () =>
        this.#bounded("check", "", (signal) => provider.check({ signal })),
      );
      const latencyMs = this.#now() - started.at;
      this.#record("check", "", "success", started);
      return { ok: true, provider: provider.name, latencyMs, details: status ? status.details : undefined };
    } catch (error) {
      const wrapped = wrapError(error, provider.name, "check");
      this.#fail("check", "", wrapped, started);
      return { ok: false, provider: provider.name, latencyMs: this.#now() - started.at, error: wrapped };
    }
  }

  /** Drop cached values: one name, or all. */
  invalidate(name?: string): void {
    if (name === undefined) this.#cache.clear();
    else this.#cache.invalidate(name);
  }

  async close(): Promise<void> {
    this.#cache.clear();
    await this.#provider?.close?.();
  }

  /** Start a backend read of `name`, or join the one in flight when `join` is set. */
  #startRead(name: string, join: boolean): Refresh {
    if (join) {
      const pending = this.#inflight.get(name);
      if (pending) return pending;
    }
    const generation = this.#cache.generation(name);
    const started = this.#begin("get", name);
    const state: RefreshState = { abandoned: false, warned: false };
    let refresh!: Refresh;
    const promise = this.#metrics.within(started.span, async () => {
      let providerName = this.#providerName;
      try {
        const provider = await this.getProvider();
        providerName = provider.name;
        const record = await this.#bounded("get", name, (signal) => provider.get(name, { signal }));
        checkRecord(record, provider.name, name);
        if (record) registerSecretValue(record.value);
        this.#cache.store(name, record, generation);
        this.#record("get", name, record ? "success" : "missing", started);
        return record;
      } catch (error) {
        const wrapped = wrapError(error, providerName, "get", name);
        this.#fail("get", name, wrapped, started);
        if (state.abandoned) this.#backgroundFailure("get", name, wrapped);
        throw wrapped;
      } finally {
        if (this.#inflight.get(name) === refresh) this.#inflight.delete(name);
      }
    });
    // Readers that served a stale value no longer wait: the failure is handled (logged) above.
    promise.catch(() => undefined);
    refresh = { promise, state, startedAt: started.at };
    this.#inflight.set(name, refresh);
    return refresh;
  }

  /** One `getMany` call for `names`, seen by each name as its own refresh. */
  #startBatch(provider: SecretProvider, names: readonly string[]): Map<string, Refresh> {
    const getMany = (provider.getMany as NonNullable<SecretProvider["getMany"]>).bind(provider);
    const generations = names.map((name) => this.#cache.generation(name));
    const started = this.#begin("get_many", "", names.length);
    const label = `${names.length} secrets`;
    const state: RefreshState = { abandoned: false, warned: false };
    const refreshes = new Map<string, Refresh>();
    const all = this.#metrics.within(started.span, async () => {
      try {
        const found = await this.#bounded(
          "get_many",
          "",
          (signal) => getMany(names, { signal }),
          undefined,
          `get_many of ${label}`,
        );
        if (!(found instanceof Map))
          throw new ProviderInvalidError(undefined, {
            provider: provider.name,
            reason: "getMany() must return a Map",
          });
        names.forEach((name, i) => {
          const record: unknown = found.get(name);
          checkRecord(record, provider.name, name);
          if (record) registerSecretValue(record.value);
          this.#cache.store(name, record, generations[i] ?? 0);
        });
        this.#record("get_many", label, "success", started);
        return found as Map<string, SecretRecord>;
      } catch (error) {
        const wrapped = wrapError(error, provider.name, "get_many");
        this.#fail("get_many", label, wrapped, started);
        if (state.abandoned) this.#backgroundFailure("get_many", "", wrapped);
        throw wrapped;
      } finally {
        for (const name of names) {
          const r = refreshes.get(name);
          if (r !== undefined && this.#inflight.get(name) === r) this.#inflight.delete(name);
        }
      }
    });
    all.catch(() => undefined);
    for (const name of names) {
      const promise = all.then((found) => found.get(name));
      promise.catch(() => undefined);
      const refresh: Refresh = { promise, state, startedAt: started.at };
      refreshes.set(name, refresh);
      this.#inflight.set(name, refresh);
    }
    return refreshes;
  }

  /**
   * What a reader gets from a refresh. Without a stand-in, the refresh's result or
   * error. With one (a cached entry the caller may fall back to): the refresh's
   * result if it succeeds in time; the stand-in if the refresh fails, or (when
   * `wait` is set) has not succeeded within `staleWaitMs` of its start, provided the stand-in
   * is still inside its stale window at that moment. Past the window, the reader
   * waits for the refresh and gets its result or its error.
   */
  async #settle(
    name: string,
    refresh: Refresh,
    standIn: CacheEntry | undefined,
    wait: boolean,
    operation: Operation,
  ): Promise<SecretRecord | undefined> {
    if (standIn === undefined) return refresh.promise;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const first = await new Promise<
      | { kind: "done"; record: SecretRecord | undefined }
      | { kind: "failed"; error: SecretError }
      | { kind: "slow" }
    >((resolve) => {
      refresh.promise.then(
        (record) => resolve({ kind: "done", record }),
        (error: SecretError) => resolve({ kind: "failed", error }),
      );
      if (wait) {
        // Counted from the refresh's start: a reader joining a refresh that is
        // already slower than the bound gets the stale value at once.
        const left = refresh.startedAt + this.#staleWaitMs - this.#now();
        // Not unref'd: a reader is waiting on it, and it is cleared as soon as the reader settles.
        timer = setTimeout(() => resolve({ kind: "slow" }), Math.max(0, Math.min(left, this.#staleWaitMs)));
      }
    });
    clearTimeout(timer);
    if (first.kind === "done") return first.record;
    if (this.#cache.canServeStale(name, standIn)) {
      if (first.kind === "slow") refresh.state.abandoned = true;
      this.#servedStale(operation, name, refresh.state, first.kind === "failed" ? first.error : undefined);
      return standIn.record;
    }
    if (first.kind === "failed") throw first.error;
    // The stale window closed while we waited: only the backend's answer will do.
    return refresh.promise;
  }

  #servedStale(
    operation: Operation,
    name: string,
    state: RefreshState,
    error: SecretError | undefined,
  ): void {
    this.#metrics.request({ provider: this.#providerName, operation, outcome: "stale" });
    if (state.warned) return;
    state.warned = true;
    if (error)
      this.#logger.warn(`secret.${operation} served a stale cached value after a provider failure`, {
        name,
        provider: this.#providerName,
        error_code: error.code,
      });
    else
      this.#logger.warn(
        `secret.${operation} served a stale cached value while the provider is slow; refreshing in the background`,
        { name, provider: this.#providerName, wait_ms: this.#staleWaitMs },
      );
  }

  #backgroundFailure(operation: Operation, name: string, error: SecretError): void {
    this.#logger.warn(`secret.${operation} background refresh failed; the stale cached value stays`, {
      name: name || undefined,
      provider: this.#providerName,
      error_code: error.code,
    });
  }

  /**
   * Run one provider call under the deadline. `fn` gets a signal that aborts at
   * the deadline (or when `outer` aborts); the returned promise rejects then with
   * `SecretTimeoutError` (or `outer`'s reason) even if the provider never settles.
   * The timer is cleared as soon as the call settles.
   */
  #bounded<T>(
    operation: Operation | "connect",
    name: string,
    fn: (signal: AbortSignal) => Promise<T>,
    outer?: AbortSignal | undefined,
    what?: string,
  ): Promise<T> {
    const controller = new AbortController();
    const timeoutMs = this.#timeoutMs;
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
        const provider = this.#providerName;
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

  /**
   * Records with their metadata, past the cache (never stored in it): one
   * `getMany` where the provider has one, else reads with bounded concurrency.
   */
  async #readManyDirect(names: readonly string[]): Promise<Map<string, SecretRecord>> {
    const out = new Map<string, SecretRecord>();
    if (names.length === 0) return out;
    const provider = await this.getProvider();
    if (!this.#capabilitiesNow().batchRead || typeof provider.getMany !== "function" || names.length === 1) {
      const records = await mapConcurrent(names, this.#concurrency, (name) =>
        this.#readDirect(name, { metadata: true }),
      );
      names.forEach((name, i) => {
        const record = records[i];
        if (record) out.set(name, record);
      });
      return out;
    }
    const getMany = provider.getMany.bind(provider);
    const label = `get_many of ${names.length} secrets`;
    return this.#call("get_many", "", provider, undefined, async () => {
      const found = await this.#bounded(
        "get_many",
        "",
        (signal) => getMany(names, { metadata: true, signal }),
        undefined,
        label,
      );
      if (!(found instanceof Map))
        throw new ProviderInvalidError(undefined, {
          provider: provider.name,
          reason: "getMany() must return a Map",
        });
      for (const name of names) {
        const record: unknown = found.get(name);
        checkRecord(record, provider.name, name);
        if (record) {
          registerSecretValue(record.value);
          out.set(name, record);
        }
      }
      return out;
    });
  }

  /** A read past the cache: an earlier version, or the record with its metadata. Never cached. */
  async #readDirect(
    name: string,
    options: { version?: string | undefined; metadata?: boolean | undefined },
  ): Promise<SecretRecord | undefined> {
    const { version } = options;
    const provider = await this.getProvider();
    return this.#call(
      "get",
      name,
      provider,
      undefined,
      async () => {
        if (version !== undefined && !this.#capabilitiesNow().versions)
          throw new NotSupportedError(undefined, {
            provider: provider.name,
            feature: "reading earlier versions",
          });
        const read: ReadOptions = {};
        if (version !== undefined) read.version = version;
        if (options.metadata === true) read.metadata = true;
        const record = await this.#bounded("get", name, (signal) => provider.get(name, { ...read, signal }));
        checkRecord(record, provider.name, name);
        if (record) registerSecretValue(record.value);
        return record;
      },
      (record) => (record ? "success" : "missing"),
    );
  }

  /**
   * One operation: counted, logged at debug, and any failure wrapped (with no
   * value in it). A caller's own abort reaches the caller unwrapped.
   */
  async #call<T>(
    operation: Operation,
    name: string,
    provider: SecretProvider,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
    outcome: (result: T) => string = () => "success",
    values: readonly string[] = [],
  ): Promise<T> {
    const started = this.#begin(operation, name);
    try {
      const result = await this.#metrics.within(started.span, fn);
      this.#record(operation, name, outcome(result), started);
      return result;
    } catch (error) {
      if (signal?.aborted && error === signal.reason) {
        this.#record(operation, name, "aborted", started);
        throw error;
      }
      const wrapped = wrapError(error, provider.name, operation, name || undefined, { values });
      this.#fail(operation, name, wrapped, started);
      throw wrapped;
    }
  }

  /**
   * A provider operation begins: its span starts (a child of the caller's active
   * span). Spans carry the provider, the operation and, for single-secret
   * operations, the secret's name (a validated identifier, scrubbed like a log
   * line); a batch carries its size. Never a value.
   */
  #begin(operation: Operation, name: string, count?: number): OperationStart {
    const span = this.#metrics.startSpan(`secret.${operation}`);
    // Until a tracer provider is registered the span records nothing: build no attributes for it.
    if (span.isRecording()) {
      const attributes: Attributes = { "secret.provider": this.#providerName, "secret.operation": operation };
      if (name !== "") attributes["secret.name"] = redact(name);
      if (count !== undefined) attributes["secret.count"] = count;
      span.setAttributes(attributes);
    }
    return { at: this.#now(), precise: performance.now(), span };
  }

  /** Seconds since `started` (precisely when it is an `OperationStart`) and its start on the manager's clock. */
  #elapsed(started: number | OperationStart): { seconds: number; ms: number } {
    if (typeof started === "number") {
      const ms = this.#now() - started;
      return { seconds: Math.max(0, ms) / 1000, ms };
    }
    return { seconds: Math.max(0, performance.now() - started.precise) / 1000, ms: this.#now() - started.at };
  }

  /** An operation ended with an answer: counted, timed, its span ended, logged at debug. */
  #record(operation: Operation, name: string, outcome: string, started: number | OperationStart): void {
    const provider = this.#providerName;
    const { seconds, ms } = this.#elapsed(started);
    this.#metrics.request({ provider, operation, outcome });
    this.#metrics.duration(seconds, { provider, operation, outcome });
    if (typeof started !== "number")
      this.#metrics.endSpan(started.span, { outcome }, { "secret.provider": provider });
    if (this.#debug) this.#log(operation, name, outcome, ms);
  }

  /** An operation failed: counted (request and error), timed, its span ended with the error code. */
  #fail(operation: Operation, name: string, error: SecretError, started: number | OperationStart): void {
    const provider = this.#providerName;
    const { seconds, ms } = this.#elapsed(started);
    this.#metrics.request({ provider, operation, outcome: "error" });
    this.#metrics.error({ provider, operation, code: error.code });
    this.#metrics.duration(seconds, { provider, operation, outcome: "error" });
    if (typeof started !== "number")
      this.#metrics.endSpan(
        started.span,
        { outcome: "error", code: error.code },
        { "secret.provider": provider },
      );
    if (this.#debug)
      this.#logger.debug(`secret.${operation}`, {
        name: name || undefined,
        provider,
        outcome: "error",
        error_code: error.code,
        error: error.message,
        duration_ms: ms,
      });
  }

  #log(operation: Operation, name: string, outcome: string, durationMs: number): void {
    this.#logger.debug(`secret.${operation}`, {
      name: name || undefined,
      provider: this.#providerName,
      outcome,
      duration_ms: durationMs,
    });
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
  async setSecrets(
    entries: readonly WriteEntry[],
    options: WriteManyOptions = {},
  ): Promise<Map<string, WriteResult | SecretError>> {
    if (!Array.isArray(entries))
      throw new SecretConfigError("setSecrets() takes an array of { name, value, options } entries", {
        field: "entries",
      });
    const seen = new Set<string>();
    for (const entry of entries) {
      if (typeof entry !== "object" || entry === null)
        throw new SecretConfigError("setSecrets() takes an array of { name, value, options } entries", {
          field: "entries",
        });
      assertValidSecretName(entry.name);
      if (seen.has(entry.name))
        throw new SecretConfigError(
          `Secret '${entry.name}' appears more than once in one setSecrets() call`,
          {
            field: entry.name,
          },
        );
      seen.add(entry.name);
    }
    const { signal } = options;
    const outcomes = new Map<string, WriteResult | SecretError>();
    const ordered = () => {
      const out = new Map<string, WriteResult | SecretError>();
      for (const { name } of entries) out.set(name, outcomes.get(name) as WriteResult | SecretError);
      return out;
    };
    if (entries.length === 0) return outcomes;
    const provider = await this.getProvider();
    const capabilities = this.#capabilitiesNow();
    const limit = provider.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;

    // The checks of writeSecret, per entry: a bad value fails its own entry and is never sent.
    const valid: WriteEntry[] = [];
    for (const entry of entries) {
      const { name, value } = entry;
      let problem: string | undefined;
      if (typeof value !== "string") problem = "a value must be a string";
      else if (!isWellFormedText(value))
        problem =
          "the value is not well-formed text (it holds a lone UTF-16 surrogate, which has no UTF-8 form)";
      else if (value.length * 3 > limit) {
        const bytes = Buffer.byteLength(value, "utf8");
        if (bytes > limit)
          problem = `the value is ${bytes} bytes of UTF-8, over the ${limit}-byte limit of secret provider '${provider.name}'`;
      }
      if (problem !== undefined) {
        outcomes.set(name, new InvalidSecretValueError(undefined, { secret: name, reason: problem }));
        continue;
      }
      registerSecretValue(value);
      valid.push(entry);
    }

    const checked = valid.some((e) => e.options?.ifAbsent || e.options?.ifVersion !== undefined);
    if (
      typeof provider.setMany !== "function" ||
      valid.length === 1 ||
      (checked && !capabilities.checkAndSet)
    ) {
      // One write per secret, through writeSecret: the same checks and best-effort create.
      await mapConcurrent(valid, this.#concurrency, async ({ name, value, options: each }) => {
        try {
          outcomes.set(name, await this.writeSecret(name, value, { ...each, signal }));
        } catch (error) {
          if (signal?.aborted && error === signal.reason) throw error;
          outcomes.set(name, wrapError(error, provider.name, "set", name, { values: [value] }));
        }
      });
      return ordered();
    }

    const setMany = provider.setMany.bind(provider);
    const batch: WriteEntry[] = valid.map(({ name, value, options: each = {} }) => {
      const writeOptions: Omit<WriteOptions, "signal"> = {};
      if (each.ifAbsent) writeOptions.ifAbsent = true;
      if (each.ifVersion !== undefined) writeOptions.ifVersion = each.ifVersion;
      if (each.metadata && capabilities.metadata) writeOptions.metadata = each.metadata;
      return { name, value, options: writeOptions };
    });
    const started = this.#now();
    for (const { name } of batch) this.#cache.invalidate(name);
    try {
      let results: Map<string, unknown>;
      try {
        const answer: unknown = await this.#bounded(
          "set",
          "",
          (s) => setMany(batch, { signal: s }),
          signal,
          `set of ${batch.length} secrets`,
        );
        if (!(answer instanceof Map))
          throw new ProviderInvalidError(undefined, {
            provider: provider.name,
            reason: "setMany() must return a Map",
          });
        results = answer;
      } catch (error) {
        if (signal?.aborted && error === signal.reason) {
          for (const { name } of batch) this.#record("set", name, "aborted", started);
          throw error;
        }
        for (const { name, value } of batch) {
          const wrapped = wrapError(error, provider.name, "set", name, { values: [value] });
          this.#fail("set", name, wrapped, started);
          outcomes.set(name, wrapped);
        }
        return ordered();
      }
      for (const { name, value } of batch) {
        const outcome = results.get(name);
        if (
          outcome instanceof Error ||
          isSecretError(outcome) ||
          typeof outcome !== "object" ||
          outcome === null
        ) {
          const wrapped = wrapError(
            outcome instanceof Error || isSecretError(outcome)
              ? outcome
              : new ProviderInvalidError(undefined, {
                  provider: provider.name,
                  reason: `setMany() reported no outcome for '${name}'`,
                }),
            provider.name,
            "set",
            name,
            { values: [value] },
          );
          this.#fail("set", name, wrapped, started);
          outcomes.set(name, wrapped);
          continue;
        }
        const version = (outcome as WriteResult).version;
        outcomes.set(name, typeof version === "string" ? { version } : {});
        this.#record("set", name, "success", started);
      }
      return ordered();
    } finally {
      for (const { name } of batch) this.#cache.invalidate(name);
    }
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
  async getSecretRecordsSettled(
    names: readonly string[],
    options: Pick<GetOptions, "fresh" | "allowStale" | "metadata"> = {},
  ): Promise<SettledRecords> {
    const errors = new Map<string, SecretError>();
    try {
      return { records: await this.getSecretRecords(names, options), errors };
    } catch (error) {
      // The manager's own reads throw SecretErrors already (wrapped and scrubbed).
      const failure = isSecretError(error) ? error : wrapError(error, this.#providerName, "get_many");
      const records = new Map<string, SecretRecord>();
      if (WHOLE_BACKEND_FAILURES.has(failure.code)) return { records, errors, failure };
      const unique = [...new Set(names)];
      await mapConcurrent(unique, this.#concurrency, async (name) => {
        try {
          const record = await this.getSecretRecord(name, options);
          if (record) records.set(name, record);
        } catch (each) {
          errors.set(name, isSecretError(each) ? each : wrapError(each, this.#providerName, "get", name));
        }
      });
      if (unique.length > 0 && errors.size === unique.length) return { records, errors, failure };
      return { records, errors };
    }
  }
}

/** A duration option in milliseconds: a finite number at least `min`, capped to what a timer can hold. */
function durationOption(field: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < min)
    throw new SecretConfigError(
      `Invalid ${field} ${String(value)}: use a number of milliseconds, ${min === 0 ? "0 or more" : "more than 0"}`,
      { field },
    );
  return Math.min(MAX_TIMEOUT_MS, Math.round(value));
}

/** No lone UTF-16 surrogates: the text has a UTF-8 form, so every backend can store it as given. */
function isWellFormedText(value: string): boolean {
  const native = (value as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof native === "function") return native.call(value);
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
}

/** The contract's required shape: a name and the four required methods. */
export function checkProviderShape(provider: unknown, label: string): asserts provider is SecretProvider {
  if (typeof provider !== "object" || provider === null)
    throw new ProviderInvalidError(undefined, {
      provider: label,
      reason: "expected an object with get, set, delete and check methods",
    });
  const p = provider as Record<string, unknown>;
  if (typeof p.name !== "string" || p.name.length === 0)
    throw new ProviderInvalidError(undefined, { provider: label, reason: "the provider has no name" });
  const missing = ["get", "set", "delete", "check"].filter((m) => typeof p[m] !== "function");
  if (missing.length > 0)
    throw new ProviderInvalidError(undefined, {
      provider: label,
      reason: `missing method(s) ${missing.join(", ")}`,
    });
  if (p.capabilities !== undefined && (typeof p.capabilities !== "object" || p.capabilities === null))
    throw new ProviderInvalidError(undefined, { provider: label, reason: "capabilities must be an object" });
  if (
    p.maxValueBytes !== undefined &&
    (typeof p.maxValueBytes !== "number" || !Number.isInteger(p.maxValueBytes) || p.maxValueBytes < 1)
  )
    throw new ProviderInvalidError(undefined, {
      provider: label,
      reason: "maxValueBytes must be a whole number of bytes, 1 or more",
    });
}

function checkRecord(
  record: unknown,
  provider: string,
  name: string,
): asserts record is SecretRecord | undefined {
  if (record === undefined) return;
  if (typeof record !== "object" || record === null || typeof (record as SecretRecord).value !== "string")
    throw new ProviderInvalidError(undefined, {
      provider,
      reason: `get('${name}') must return { value: string } or undefined`,
    });
}
