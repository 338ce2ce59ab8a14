// The in-memory reference provider: correct by construction, configurable
// (capabilities, which optional methods exist), with hooks to count calls,
// inject failures and latency, and inspect what was stored. No vitest here:
// it is also the `@org/secrets-provider-testkit/memory` entry.
import {
  type DeleteOptions,
  type Logger,
  NotSupportedError,
  type ProviderCapabilities,
  type ReadOptions,
  SecretConflictError,
  SecretNotFoundError,
  type SecretProvider,
  type SecretRecord,
  silentLogger,
  type WriteEntry,
  type WriteManyOptions,
  type WriteManyResult,
  type WriteOptions,
  type WriteResult,
} from "@org/secrets-core/provider";

/** One stored version of a secret. */
export interface MemoryVersion {
  readonly value: string;
  readonly version: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly metadata: Readonly<Record<string, string>> | undefined;
}

/** One `set` call (also each entry of a `setMany`), as the provider received it. */
export interface MemoryWriteCall {
  name: string;
  value: string;
  ifAbsent: boolean;
  ifVersion: string | undefined;
  metadata: Readonly<Record<string, string>> | undefined;
}

/** The optional methods the provider has (their presence is a capability). */
export interface MemoryProviderMethods {
  /** Default `true`. */
  getMany?: boolean | undefined;
  /** Default `true`. */
  list?: boolean | undefined;
  /** Default `false`. */
  setMany?: boolean | undefined;
  /** Scheduled deletion: deleted secrets can be restored. Default `false`. */
  restore?: boolean | undefined;
}

export interface MemoryProviderOptions {
  /** Default `memory`. */
  name?: string | undefined;
  /** Default `Memory`. */
  displayName?: string | undefined;
  /** Declared capabilities; each defaults to `true`. They decide behaviour and are fixed here. */
  capabilities?: Partial<ProviderCapabilities> | undefined;
  methods?: MemoryProviderMethods | undefined;
  /** Declared traits (none by default), such as `localDevelopment` for a development store. */
  traits?: SecretProvider["traits"];
  /** Secrets present from the start (stored as `seed` does). */
  initial?: Readonly<Record<string, string>> | undefined;
  logger?: Logger | undefined;
  /** The clock for `createdAt` / `updatedAt`. */
  now?: (() => Date) | undefined;
  /** Awaited at the start of every call: latency, or random turns to interleave concurrent callers. */
  latency?: (() => Promise<void>) | undefined;
}

export interface MemoryProviderCalls {
  get: number;
  getMany: number;
  set: number;
  setMany: number;
  delete: number;
  check: number;
  list: number;
  restore: number;
}

const FULL: ProviderCapabilities = { versions: true, checkAndSet: true, metadata: true };

/**
 * A secret provider that keeps everything in memory. Versions are numbered per
 * name and never reused, even after a delete. A call reads the store when it
 * starts (after `latency`), so a held read answers with what was there then.
 */
export class MemoryProvider implements SecretProvider {
  readonly name: string;
  readonly displayName: string;
  readonly capabilities: ProviderCapabilities;
  readonly traits: SecretProvider["traits"];
  /** Calls received, by method (`set` does not count the entries of a `setMany`). */
  readonly calls: MemoryProviderCalls = {
    get: 0,
    getMany: 0,
    set: 0,
    setMany: 0,
    delete: 0,
    check: 0,
    list: 0,
    restore: 0,
  };
  /** Every write attempted, in order, refused ones included. */
  readonly writes: MemoryWriteCall[] = [];
  /** The entries of every `setMany` call. */
  readonly batches: WriteEntry[][] = [];
  /** Thrown by every call. */
  failWith: Error | undefined;
  /** Thrown by `check`, and by reads too: a backend that refuses us refuses everything. */
  checkError: Error | undefined;
  /** Thrown by reads. */
  readError: Error | undefined;
  /** Thrown by reads of these names (a batch read containing one throws it). */
  readonly readErrors = new Map<string, Error>();
  /** Thrown by writes of these names. */
  readonly writeErrors = new Map<string, Error>();
  /** Reads wait for this promise: lets a test hold requests in flight. */
  readGate: Promise<void> | undefined;
  /** Runs after a read has been answered: simulates another process acting in between. */
  afterRead: ((names: readonly string[]) => void) | undefined;

  protected readonly logger: Logger;
  readonly #store = new Map<string, MemoryVersion[]>();
  readonly #deleted = new Map<string, MemoryVersion[]>();
  readonly #lastVersion = new Map<string, number>();
  readonly #capabilities: ProviderCapabilities;
  readonly #now: () => Date;
  readonly #latency: (() => Promise<void>) | undefined;

  constructor(options: MemoryProviderOptions = {}) {
    this.name = options.name ?? "memory";
    this.traits = options.traits;
    this.displayName = options.displayName ?? "Memory";
    this.#capabilities = { ...FULL, ...options.capabilities };
    this.capabilities = { ...this.#capabilities };
    this.logger = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
    this.#latency = options.latency;
    const methods = { getMany: true, list: true, setMany: false, restore: false, ...options.methods };
    for (const method of ["getMany", "list", "setMany", "restore"] as const)
      if (!methods[method]) (this as Record<string, unknown>)[method] = undefined;
    for (const [name, value] of Object.entries(options.initial ?? {})) this.seed(name, value);
  }

  /** What is stored: every version of every secret, oldest first. */
  get data(): ReadonlyMap<string, readonly MemoryVersion[]> {
    return this.#store;
  }

  /** Store a value as another process would: no call or write is counted. */
  seed(
    name: string,
    value: string,
    options: { metadata?: Record<string, string>; updatedAt?: Date } = {},
  ): void {
    this.#append(name, value, options.metadata, options.updatedAt);
  }

  /** Delete a secret as another process would: no call is counted. `true` if it existed. */
  remove(name: string): boolean {
    return this.#store.delete(name);
  }

  /** The current value of a secret, `undefined` when absent. */
  current(name: string): string | undefined {
    return this.#store.get(name)?.at(-1)?.value;
  }

  currentMetadata(name: string): Readonly<Record<string, string>> | undefined {
    return this.#store.get(name)?.at(-1)?.metadata;
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    this.calls.get++;
    if (this.#latency) await this.#latency();
    const versions = this.#store.get(name)?.slice();
    await this.#readable([name]);
    let stored: MemoryVersion | undefined;
    if (options.version === undefined) stored = versions?.at(-1);
    else if (!this.#capabilities.versions)
      throw new NotSupportedError(undefined, { provider: this.name, feature: "versions" });
    else if (options.version === "previous") stored = versions?.at(-2);
    else stored = versions?.find((v) => v.version === options.version);
    const record = stored ? this.#record(stored) : undefined;
    this.afterRead?.([name]);
    return record;
  }

  async getMany(names: readonly string[]): Promise<Map<string, SecretRecord>> {
    this.calls.getMany++;
    if (this.#latency) await this.#latency();
    const found = names.map((name) => [name, this.#store.get(name)?.at(-1)] as const);
    await this.#readable(names);
    const out = new Map<string, SecretRecord>();
    for (const [name, stored] of found) if (stored) out.set(name, this.#record(stored));
    this.afterRead?.(names);
    return out;
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    this.calls.set++;
    options.signal?.throwIfAborted();
    if (this.#latency) await this.#latency();
    if (this.failWith) throw this.failWith;
    return this.#write(name, value, options);
  }

  /** Each entry checked and written as `set` does, its outcome reported by name. */
  async setMany(entries: readonly WriteEntry[], options: WriteManyOptions = {}): Promise<WriteManyResult> {
    this.calls.setMany++;
    options.signal?.throwIfAborted();
    if (this.#latency) await this.#latency();
    this.batches.push([...entries]);
    if (this.failWith) throw this.failWith;
    const out: WriteManyResult = new Map();
    for (const { name, value, options } of entries) {
      try {
        out.set(name, this.#write(name, value, options ?? {}));
      } catch (error) {
        out.set(name, error as Error);
      }
    }
    return out;
  }

  async delete(name: string, options: DeleteOptions = {}): Promise<boolean> {
    this.calls.delete++;
    options.signal?.throwIfAborted();
    if (this.#latency) await this.#latency();
    if (this.failWith) throw this.failWith;
    const versions = this.#store.get(name);
    if (!versions) return false;
    if (typeof this.restore === "function") this.#deleted.set(name, versions);
    return this.#store.delete(name);
  }

  async check(): Promise<void> {
    this.calls.check++;
    if (this.#latency) await this.#latency();
    if (this.failWith ?? this.checkError) throw this.failWith ?? this.checkError;
  }

  async list(): Promise<string[]> {
    this.calls.list++;
    if (this.#latency) await this.#latency();
    if (this.failWith) throw this.failWith;
    return [...this.#store.keys()];
  }

  async restore(name: string): Promise<void> {
    this.calls.restore++;
    if (this.#latency) await this.#latency();
    if (this.failWith) throw this.failWith;
    const versions = this.#deleted.get(name);
    if (!versions)
      throw new SecretNotFoundError(`Secret '${name}' is not scheduled for deletion`, {
        provider: this.name,
        secret: name,
      });
    this.#deleted.delete(name);
    this.#store.set(name, versions);
  }

  /** Wait at the gate, then throw what a read of these names must throw. */
  async #readable(names: readonly string[]): Promise<void> {
    await this.readGate;
    const failure = this.failWith ?? this.readError ?? this.checkError;
    if (failure) throw failure;
    for (const name of names) {
      const nameError = this.readErrors.get(name);
      if (nameError) throw nameError;
    }
  }

  /** Check and write without yielding: the check and the write are atomic. */
  #write(name: string, value: string, options: WriteOptions): WriteResult {
    this.writes.push({
      name,
      value,
      ifAbsent: options.ifAbsent === true,
      ifVersion: options.ifVersion,
      metadata: options.metadata,
    });
    const failure = this.writeErrors.get(name);
    if (failure) throw failure;
    const current = this.#store.get(name)?.at(-1);
    if (this.#capabilities.checkAndSet) {
      if (options.ifAbsent && current)
        throw new SecretConflictError(`Secret '${name}' already exists`, {
          provider: this.name,
          secret: name,
        });
      if (options.ifVersion !== undefined && current?.version !== options.ifVersion)
        throw new SecretConflictError(undefined, { provider: this.name, secret: name });
    }
    const version = this.#append(name, value, this.#capabilities.metadata ? options.metadata : undefined);
    return this.#capabilities.versions || this.#capabilities.metadata ? { version } : {};
  }

  #append(
    name: string,
    value: string,
    metadata?: Readonly<Record<string, string>>,
    at = this.#now(),
  ): string {
    const versions = this.#store.get(name) ?? [];
    const version = String((this.#lastVersion.get(name) ?? 0) + 1);
    this.#lastVersion.set(name, Number(version));
    versions.push({
      value,
      version,
      createdAt: versions[0]?.createdAt ?? at,
      updatedAt: at,
      metadata: metadata ? { ...metadata } : undefined,
    });
    this.#store.set(name, versions);
    this.#deleted.delete(name);
    return version;
  }

  #record(stored: MemoryVersion): SecretRecord {
    if (!this.#capabilities.metadata && !this.#capabilities.versions) return { value: stored.value };
    const record: SecretRecord = { value: stored.value, version: stored.version };
    if (this.#capabilities.metadata) {
      record.createdAt = stored.createdAt;
      record.updatedAt = stored.updatedAt;
      if (stored.metadata) record.metadata = { ...stored.metadata };
    }
    return record;
  }
}
