import type { SecretRecord } from "./contract.js";

/** One stored read result. Entries are never changed in place: a new read stores a new entry. */
export interface CacheEntry {
  /** `undefined` records a secret that was looked up and found missing. */
  readonly record: SecretRecord | undefined;
  readonly storedAt: number;
}

type Entry = CacheEntry;

export interface CacheOptions {
  /** How long a value is served without asking the backend (0 turns the cache off). */
  ttlMs: number;
  /** How long past `ttlMs` a value may still be served when the backend fails. */
  staleIfErrorMs: number;
  /** Most entries kept; the oldest go first (default 10,000). */
  maxEntries?: number;
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

  constructor(options: CacheOptions) {
    this.#ttl = Math.max(0, options.ttlMs);
    this.#stale = Math.max(0, options.staleIfErrorMs);
    this.#max = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.#ttl > 0;
  }

  /** The entry when it is fresh, else `undefined` (the allocation-free hot path). */
  fresh(name: string): { readonly record: SecretRecord | undefined } | undefined {
    const entry = this.#entries.get(name);
    return entry !== undefined && this.#now() - entry.storedAt < this.#ttl ? entry : undefined;
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
    this.#entries.set(name, { record, storedAt: this.#now() });
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
