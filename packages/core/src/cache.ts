/**
 * The TTL cache of read results with stale-if-error windows and write generations, and the per-
 * turn clock of the hot path.
 */
import type { SecretRecord } from "./contract.js";

/**
 * One stored read result. Entries are never changed in place (a new read stores
 * a new entry), except that `settled` is filled in on the first hit that needs it.
 */
export interface CacheEntry {
  /** `undefined` records a secret that was looked up and found missing. */
  readonly record: SecretRecord | undefined;
  readonly storedAt: number;
  /**
   * The record's value as a settled promise, made once and handed to every
   * `getSecret` this entry answers: a cached read then allocates nothing.
   */
  settled: Promise<string | undefined> | undefined;
}

type Entry = CacheEntry;

/** The entry's value as a settled promise, made on first use and handed to every read it answers after. */
export function settledValue(entry: CacheEntry): Promise<string | undefined> {
  entry.settled ??= Promise.resolve(entry.record?.value);
  return entry.settled;
}

export interface CacheOptions {
  /** How long a value is served without asking the backend (0 turns the cache off). */
  ttlMs: number;
  /** How long past `ttlMs` a value may still be served when the backend fails. */
  staleIfErrorMs: number;
  /** Most entries kept; the oldest go first (default 10,000). */
  maxEntries?: number;
  /** The clock. Without one, fresh-hit checks use `Date.now` read through `turnClock` (see there). */
  now?: () => number;
}

export type CacheLookup =
  | { state: "fresh"; record: SecretRecord | undefined; entry: CacheEntry }
  | { state: "stale"; record: SecretRecord | undefined; entry: CacheEntry }
  | { state: "none" };

/**
 * A per-manager TTL cache of current values (not of explicit versions).
 * Every write or delete through the manager bumps the name's generation, so a
 * read that started before the write cannot put an old value back.
 */
export class SecretCache {
  readonly #entries = new Map<string, Entry>();
  readonly #generations = new Map<string, number>();
  #epoch = 0;
  readonly #ttl: number;
  readonly #stale: number;
  readonly #max: number;
  readonly #now: () => number;
  /** The clock of the fresh-hit check: `turnClock` unless a clock was given. */
  readonly #hitNow: () => number;

  constructor(options: CacheOptions) {
    this.#ttl = Math.max(0, options.ttlMs);
    this.#stale = Math.max(0, options.staleIfErrorMs);
    this.#max = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#hitNow = options.now ?? turnClock;
  }

  get enabled(): boolean {
    return this.#ttl > 0;
  }

  /** The entry when it is fresh, else `undefined` (the allocation-free hot path). */
  fresh(name: string): CacheEntry | undefined {
    const entry = this.#entries.get(name);
    return entry !== undefined && this.#hitNow() - entry.storedAt < this.#ttl ? entry : undefined;
  }

  lookup(name: string): CacheLookup {
    const entry = this.#entries.get(name);
    if (!entry) return { state: "none" };
    const age = this.#now() - entry.storedAt;
    if (age < this.#ttl) return { state: "fresh", record: entry.record, entry };
    if (age < this.#ttl + this.#stale) return { state: "stale", record: entry.record, entry };
    this.#entries.delete(name);
    return { state: "none" };
  }

  /**
   * May `entry` stand in for `name` right now? Only while it is still the
   * stored entry (no write, delete or clear since) and younger than TTL + stale
   * window at this very moment, not at the moment the read began.
   */
  canServeStale(name: string, entry: CacheEntry): boolean {
    return this.#entries.get(name) === entry && this.#now() - entry.storedAt < this.#ttl + this.#stale;
  }

  generation(name: string): number {
    return this.#epoch * 2 ** 32 + (this.#generations.get(name) ?? 0);
  }

  /** Store a read result, unless a write happened since the read began. */
  store(name: string, record: SecretRecord | undefined, generation: number): void {
    if (!this.enabled || this.generation(name) !== generation) return;
    this.#entries.delete(name);
    this.#entries.set(name, { record, storedAt: this.#now(), settled: undefined });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Forget a name (after a write or delete) and make in-flight reads of it unable to store. */
  invalidate(name: string): void {
    this.#entries.delete(name);
    this.#generations.set(name, (this.#generations.get(name) ?? 0) + 1);
  }

  clear(): void {
    this.#epoch++;
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Reads of `turnClock` that may share one `Date.now()` within one event-loop turn. */
const READS_PER_CLOCK = 32;
let clockValue = 0;
let clockReadsLeft = 0;
let clockTurnPending = false;
const endClockTurn = (): void => {
  clockTurnPending = false;
  clockReadsLeft = 0;
};

/**
 * `Date.now()`, read afresh at least once per event-loop turn and once every
 * 32 reads. On some virtual machines a clock read costs more than a whole
 * `Map` lookup, and a cached read needs one only to compare against a TTL of
 * seconds or minutes: the value it returns is never ahead of the real clock and
 * lags it by at most the time since the turn began (or the 32nd last read), so
 * an entry can only be served fresh that long past its TTL, never dropped early.
 */
export function turnClock(): number {
  if (clockReadsLeft > 0) {
    clockReadsLeft--;
    return clockValue;
  }
  clockValue = Date.now();
  clockReadsLeft = READS_PER_CLOCK - 1;
  if (!clockTurnPending) {
    clockTurnPending = true;
    setImmediate(endClockTurn).unref();
  }
  return clockValue;
}
