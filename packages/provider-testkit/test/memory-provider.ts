import {
  type ListOptions,
  type Logger,
  type ProviderCapabilities,
  type ReadOptions,
  SecretConflictError,
  type SecretProvider,
  type SecretRecord,
  silentLogger,
  type WriteOptions,
  type WriteResult,
} from "@org/secrets-core/provider";

interface Version {
  value: string;
  version: string;
  updatedAt: Date;
  metadata: Readonly<Record<string, string>> | undefined;
}

/**
 * A correct in-memory provider with every capability: the reference the
 * conformance suite is checked against, and the base the broken variants bend.
 */
export class MemoryProvider implements SecretProvider {
  readonly name: string = "memory";
  readonly displayName: string = "Memory";
  readonly capabilities: ProviderCapabilities = {
    versions: true,
    checkAndSet: true,
    metadata: true,
  };
  protected readonly store = new Map<string, Version[]>();
  #nextVersion = 0;

  constructor(protected readonly logger: Logger = silentLogger) {}

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    const history = this.store.get(name);
    if (!history || history.length === 0) return undefined;
    let entry: Version | undefined;
    if (options.version === undefined) entry = history.at(-1);
    else if (options.version === "previous") entry = history.at(-2);
    else entry = history.find((v) => v.version === options.version);
    return entry ? this.toRecord(entry) : undefined;
  }

  async getMany(names: readonly string[]): Promise<Map<string, SecretRecord>> {
    const out = new Map<string, SecretRecord>();
    for (const name of names) {
      const record = await this.get(name);
      if (record) out.set(name, record);
    }
    return out;
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    const history = this.store.get(name) ?? [];
    const current = history.at(-1);
    if (options.ifAbsent && current)
      throw new SecretConflictError(`Secret '${name}' already exists`, { provider: this.name, secret: name });
    if (options.ifVersion !== undefined && current?.version !== options.ifVersion)
      throw new SecretConflictError(undefined, { provider: this.name, secret: name });
    return this.write(name, value, options.metadata);
  }

  async delete(name: string): Promise<boolean> {
    return this.store.delete(name);
  }

  async check(): Promise<void> {}

  async list(_options?: ListOptions): Promise<string[]> {
    return [...this.store.keys()].sort();
  }

  protected write(name: string, value: string, metadata?: Readonly<Record<string, string>>): WriteResult {
    const history = this.store.get(name) ?? [];
    const version = String(++this.#nextVersion);
    history.push({ value, version, updatedAt: new Date(), metadata: metadata ? { ...metadata } : undefined });
    this.store.set(name, history);
    return { version };
  }

  protected toRecord(entry: Version): SecretRecord {
    return {
      value: entry.value,
      version: entry.version,
      updatedAt: entry.updatedAt,
      ...(entry.metadata ? { metadata: entry.metadata } : {}),
    };
  }
}
