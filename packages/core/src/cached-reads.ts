/**
 * Reads through the cache: fresh hits, coalesced refreshes (one backend read of
 * a name in flight, joined by every reader), batch refreshes through `getMany`,
 * and stale-if-error (a cached value stands in when a refresh fails or is slow).
 */
import type { CacheEntry } from "./cache.js";
import { mapConcurrent } from "./concurrency.js";
import type { SecretProvider, SecretRecord } from "./contract.js";
import { checkAnswerMap, ownRecord } from "./contract-check.js";
import { readDirect, readManyDirect } from "./direct-reads.js";
import type { SecretError } from "./errors.js";
import type { Operation } from "./instrumentation.js";
import type { GetOptions } from "./manager-options.js";
import { type ManagerParts, providerOf } from "./manager-parts.js";
import { assertValidSecretName } from "./names.js";
import { wrapError } from "./provider-error.js";
import { registerSecretValue } from "./redact.js";

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

export class CachedReads {
  readonly #parts: ManagerParts;
  readonly #inflight = new Map<string, Refresh>();

  constructor(parts: ManagerParts) {
    this.#parts = parts;
  }

  /** The hot path: a fresh cache entry for a valid name, counted and logged, or `undefined`. */
  hit(name: string): CacheEntry | undefined {
    const entry = this.#parts.cache.fresh(name);
    if (entry === undefined) return undefined;
    // Only valid names are ever stored, so a hit needs no validation.
    const ops = this.#parts.ops;
    ops.metrics.cachedRead(this.#parts.handle.name);
    if (ops.debug) ops.log("get", name, entry.record ? "hit" : "hit_missing", 0);
    return entry;
  }

  /** `SecretManager.getSecretRecord`. */
  async record(name: string, options: GetOptions): Promise<SecretRecord | undefined> {
    assertValidSecretName(name);
    if (options.version !== undefined || options.metadata === true)
      return readDirect(this.#parts, name, { version: options.version, metadata: options.metadata });

    if (!options.fresh) {
      const hit = this.hit(name);
      if (hit !== undefined) return hit.record;
    }
    const cache = this.#parts.cache;
    const cached = cache.enabled ? cache.lookup(name) : ({ state: "none" } as const);
    const standIn = cached.state !== "none" && options.allowStale !== false ? cached.entry : undefined;
    const refresh = this.#startRead(name, !options.fresh);
    return this.#settle(name, refresh, standIn, !options.fresh, "get");
  }

  /** `SecretManager.getSecretRecords`. */
  async records(
    names: readonly string[],
    options: Pick<GetOptions, "fresh" | "allowStale" | "metadata">,
  ): Promise<Map<string, SecretRecord>> {
    const unique = [...new Set(names)];
    for (const name of unique) assertValidSecretName(name);
    if (options.metadata === true) return readManyDirect(this.#parts, unique);
    const { cache, ops, handle } = this.#parts;
    const out = new Map<string, SecretRecord>();
    const toFetch: string[] = [];
    const standIns = new Map<string, CacheEntry>();
    for (const name of unique) {
      const cached = cache.enabled ? cache.lookup(name) : ({ state: "none" } as const);
      if (cached.state === "fresh" && !options.fresh) {
        ops.metrics.cachedRead(handle.name);
        if (cached.record) out.set(name, cached.record);
        continue;
      }
      if (cached.state !== "none" && options.allowStale !== false) standIns.set(name, cached.entry);
      toFetch.push(name);
    }
    if (toFetch.length === 0) return out;

    // A provider that cannot be resolved leaves every name to the single-read rules.
    const provider = await providerOf(this.#parts).catch(() => undefined);
    if (
      provider === undefined ||
      !handle.capabilities().batchRead ||
      typeof provider.getMany !== "function" ||
      toFetch.length === 1
    ) {
      const records = await mapConcurrent(toFetch, this.#parts.concurrency, (name) =>
        this.record(name, { fresh: options.fresh, allowStale: options.allowStale }),
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

  /** Start a backend read of `name`, or join the one in flight when `join` is set. */
  #startRead(name: string, join: boolean): Refresh {
    if (join) {
      const pending = this.#inflight.get(name);
      if (pending) return pending;
    }
    const { cache, ops, handle, deadline } = this.#parts;
    const generation = cache.generation(name);
    const started = ops.begin("get", name);
    const state: RefreshState = { abandoned: false, warned: false };
    let refresh!: Refresh;
    const promise = ops.metrics.within(started.span, async () => {
      let providerName = handle.name;
      try {
        const provider = await providerOf(this.#parts);
        providerName = provider.name;
        const answer: unknown = await deadline.run("get", name, (signal) => provider.get(name, { signal }));
        const record = ownRecord(answer, provider.name, name);
        if (record) registerSecretValue(record.value);
        cache.store(name, record, generation);
        ops.record("get", name, record ? "success" : "missing", started);
        return record;
      } catch (error) {
        const wrapped = wrapError(error, providerName, "get", name);
        ops.fail("get", name, wrapped, started);
        if (state.abandoned) ops.backgroundFailure("get", name, wrapped);
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
    const { cache, ops, deadline } = this.#parts;
    const getMany = (provider.getMany as NonNullable<SecretProvider["getMany"]>).bind(provider);
    const generations = names.map((name) => cache.generation(name));
    const started = ops.begin("get_many", "", names.length);
    const label = `${names.length} secrets`;
    const state: RefreshState = { abandoned: false, warned: false };
    const refreshes = new Map<string, Refresh>();
    const all = ops.metrics.within(started.span, async () => {
      try {
        const found = await deadline.run(
          "get_many",
          "",
          (signal) => getMany(names, { signal }),
          undefined,
          `get_many of ${label}`,
        );
        checkAnswerMap(found, provider.name, "getMany");
        // Only the names asked for, each as core's own copy.
        const records = new Map<string, SecretRecord>();
        names.forEach((name, i) => {
          const record = ownRecord(found.get(name), provider.name, name);
          if (record) {
            registerSecretValue(record.value);
            records.set(name, record);
          }
          cache.store(name, record, generations[i] ?? 0);
        });
        ops.record("get_many", label, "success", started);
        return records;
      } catch (error) {
        const wrapped = wrapError(error, provider.name, "get_many");
        ops.fail("get_many", label, wrapped, started);
        if (state.abandoned) ops.backgroundFailure("get_many", "", wrapped);
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
    const { staleWaitMs, now } = this.#parts;
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
        const left = refresh.startedAt + staleWaitMs - now();
        // Not unref'd: a reader is waiting on it, and it is cleared as soon as the reader settles.
        timer = setTimeout(() => resolve({ kind: "slow" }), Math.max(0, Math.min(left, staleWaitMs)));
      }
    });
    clearTimeout(timer);
    if (first.kind === "done") return first.record;
    if (this.#parts.cache.canServeStale(name, standIn)) {
      if (first.kind === "slow") refresh.state.abandoned = true;
      const warn = !refresh.state.warned;
      refresh.state.warned = true;
      this.#parts.ops.servedStale(
        operation,
        name,
        warn,
        first.kind === "failed" ? first.error : undefined,
        staleWaitMs,
      );
      return standIn.record;
    }
    if (first.kind === "failed") throw first.error;
    // The stale window closed while we waited: only the backend's answer will do.
    return refresh.promise;
  }
}
