import {
  AuthenticationError,
  createLogger,
  type Logger,
  NotSupportedError,
  type ProviderCapabilities,
  SecretConflictError,
  SecretManager,
  type SecretProvider,
  type SecretRecord,
  type WriteEntry,
  type WriteManyOptions,
  type WriteResult,
} from "@org/secrets-core";
import type { ReadOptions, WriteManyResult, WriteOptions } from "@org/secrets-core/provider";

export const FULL: ProviderCapabilities = {
  versions: true,
  checkAndSet: true,
  metadata: true,
};

export interface WriteCall {
  name: string;
  value: string;
  ifAbsent: boolean;
  ifVersion: string | undefined;
  metadata: Readonly<Record<string, string>> | undefined;
}

interface Stored {
  value: string;
  version: string;
  createdAt: Date;
  updatedAt: Date;
  metadata: Readonly<Record<string, string>> | undefined;
}

export interface MemoryProviderOptions {
  name?: string;
  capabilities?: Partial<ProviderCapabilities>;
  traits?: SecretProvider["traits"];
  now?: () => Date;
  /** Awaited at the start of every call, to interleave concurrent callers. */
  jitter?: () => Promise<void>;
}

/**
 * An in-memory provider with every capability (or fewer), which counts calls
 * and lets a test act between a caller's read and its write.
 */
export class MemoryProvider implements SecretProvider {
  readonly name: string;
  readonly displayName = "Memory";
  readonly capabilities: ProviderCapabilities;
  readonly traits: SecretProvider["traits"];
  readonly data = new Map<string, Stored[]>();
  readonly calls = { get: 0, getMany: 0, set: 0, delete: 0, check: 0 };
  readonly writes: WriteCall[] = [];
  /** Thrown by `check`, and by reads too: a backend that refuses us refuses everything. */
  checkError: Error | undefined;
  /** Thrown by reads. */
  readError: Error | undefined;
  /** Thrown by reads of these names (a batch read containing one throws it). */
  readonly readErrors = new Map<string, Error>();
  /** Thrown by `set` for these names. */
  readonly writeErrors = new Map<string, Error>();
  /** Reads wait for this promise: lets a test hold every reader at the same point. */
  readGate: Promise<void> | undefined;
  /** Runs after a read has been answered: simulates another process acting in between. */
  afterRead: ((names: readonly string[]) => void) | undefined;
  readonly #now: () => Date;
  readonly #jitter: (() => Promise<void>) | undefined;
  #versionCounter = 0;

  constructor(options: MemoryProviderOptions = {}) {
    this.name = options.name ?? "memory";
    this.capabilities = { ...FULL, ...options.capabilities };
    this.traits = options.traits;
    this.#now = options.now ?? (() => new Date());
    this.#jitter = options.jitter;
  }

  /** Store a value as another process would: no write is counted. */
  seed(
    name: string,
    value: string,
    options: { metadata?: Record<string, string>; updatedAt?: Date } = {},
  ): void {
    const versions = this.data.get(name) ?? [];
    const at = options.updatedAt ?? this.#now();
    versions.push({
      value,
      version: String(++this.#versionCounter),
      createdAt: versions[0]?.createdAt ?? at,
      updatedAt: at,
      metadata: options.metadata,
    });
    this.data.set(name, versions);
  }

  current(name: string): string | undefined {
    return this.data.get(name)?.at(-1)?.value;
  }

  currentMetadata(name: string): Readonly<Record<string, string>> | undefined {
    return this.data.get(name)?.at(-1)?.metadata;
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    this.calls.get++;
    await this.#jitter?.();
    await this.readGate;
    if (this.readError ?? this.checkError) throw this.readError ?? this.checkError;
    const nameError = this.readErrors.get(name);
    if (nameError) throw nameError;
    const versions = this.data.get(name);
    let stored: Stored | undefined;
    if (options.version === undefined) stored = versions?.at(-1);
    else if (!this.capabilities.versions)
      throw new NotSupportedError(undefined, { provider: this.name, feature: "versions" });
    else if (options.version === "previous") stored = versions?.at(-2);
    else stored = versions?.find((v) => v.version === options.version);
    const record = stored ? this.#record(stored) : undefined;
    this.afterRead?.([name]);
    return record;
  }

  async getMany(names: readonly string[]): Promise<Map<string, SecretRecord>> {
    this.calls.getMany++;
    await this.#jitter?.();
    await this.readGate;
    if (this.readError ?? this.checkError) throw this.readError ?? this.checkError;
    for (const name of names) {
      const nameError = this.readErrors.get(name);
      if (nameError) throw nameError;
    }
    const out = new Map<string, SecretRecord>();
    for (const name of names) {
      const stored = this.data.get(name)?.at(-1);
      if (stored) out.set(name, this.#record(stored));
    }
    this.afterRead?.(names);
    return out;
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    this.calls.set++;
    await this.#jitter?.();
    // Everything below runs without yielding: the check and the write are atomic.
    this.writes.push({
      name,
      value,
      ifAbsent: options.ifAbsent === true,
      ifVersion: options.ifVersion,
      metadata: options.metadata,
    });
    const failure = this.writeErrors.get(name);
    if (failure) throw failure;
    const versions = this.data.get(name) ?? [];
    const current = versions.at(-1);
    if (this.capabilities.checkAndSet) {
      if (options.ifAbsent && current)
        throw new SecretConflictError(`Secret '${name}' already exists`, {
          provider: this.name,
          secret: name,
        });
      if (options.ifVersion !== undefined && current?.version !== options.ifVersion)
        throw new SecretConflictError(undefined, { provider: this.name, secret: name });
    }
    const at = this.#now();
    const version = String(++this.#versionCounter);
    versions.push({
      value,
      version,
      createdAt: versions[0]?.createdAt ?? at,
      updatedAt: at,
      metadata: this.capabilities.metadata ? options.metadata : undefined,
    });
    this.data.set(name, versions);
    return this.capabilities.versions || this.capabilities.metadata ? { version } : {};
  }

  async delete(name: string): Promise<boolean> {
    this.calls.delete++;
    return this.data.delete(name);
  }

  async check(): Promise<void> {
    this.calls.check++;
    await this.#jitter?.();
    if (this.checkError) throw this.checkError;
  }

  #record(stored: Stored): SecretRecord {
    if (!this.capabilities.metadata && !this.capabilities.versions) return { value: stored.value };
    const record: SecretRecord = { value: stored.value, version: stored.version };
    if (this.capabilities.metadata) {
      record.createdAt = stored.createdAt;
      record.updatedAt = stored.updatedAt;
      if (stored.metadata) record.metadata = { ...stored.metadata };
    }
    return record;
  }
}

/**
 * The memory provider with the contract's `setMany`: all entries in one call
 * (counted in `calls.setMany`, entries in `batches`), each checked and written
 * as `set` does, with its outcome reported by name. `set` is not counted for them.
 */
export class BatchMemoryProvider extends MemoryProvider {
  readonly batches: WriteEntry[][] = [];
  readonly batchCalls = { setMany: 0 };

  async setMany(entries: readonly WriteEntry[], _options: WriteManyOptions = {}): Promise<WriteManyResult> {
    this.batchCalls.setMany++;
    this.batches.push([...entries]);
    const out: WriteManyResult = new Map();
    for (const { name, value, options } of entries) {
      try {
        out.set(name, await this.set(name, value, options));
      } catch (error) {
        out.set(name, error as Error);
      } finally {
        this.calls.set--;
      }
    }
    return out;
  }
}

export function authFailure(): AuthenticationError {
  return new AuthenticationError(undefined, {
    provider: "memory",
    displayName: "Memory",
    reason: "token expired",
  });
}

export interface CapturedLogs {
  logger: Logger;
  lines: string[];
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  return {
    lines,
    logger: createLogger({ level: "debug", format: "json", write: (line) => lines.push(line) }),
  };
}

export function managerFor(provider: SecretProvider, logger?: Logger): SecretManager {
  return new SecretManager({ provider, ...(logger ? { logger } : {}) });
}

/** A pause of a random number of event-loop turns. */
export function randomTurns(max = 5): () => Promise<void> {
  return async () => {
    const turns = Math.floor(Math.random() * max);
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
}
