import {
  type ProviderCapabilities,
  SecretConflictError,
  type SecretProvider,
  type SecretRecord,
} from "../src/index.js";
import type { ReadOptions, WriteOptions } from "../src/provider.js";

/** An in-memory provider that counts calls and can be told to fail. */
export class MemoryProvider implements SecretProvider {
  readonly name = "memory";
  readonly displayName = "Memory";
  readonly capabilities: ProviderCapabilities;
  readonly data = new Map<string, SecretRecord[]>();
  readonly calls = { get: 0, getMany: 0, set: 0, delete: 0, check: 0, list: 0 };
  failWith: Error | undefined;
  /** Delay reads until this promise resolves (to hold requests in flight). */
  gate: Promise<void> | undefined;

  /** Every capability by default; `getMany: false` / `list: false` leave out those methods. */
  constructor(options: Partial<ProviderCapabilities> & { getMany?: boolean; list?: boolean } = {}) {
    const { getMany = true, list = true, ...capabilities } = options;
    this.capabilities = { versions: true, checkAndSet: true, metadata: true, ...capabilities };
    if (!getMany) (this as { getMany?: unknown }).getMany = undefined;
    if (!list) (this as { list?: unknown }).list = undefined;
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    this.calls.get++;
    const versions = this.data.get(name)?.slice();
    await this.gate;
    if (this.failWith) throw this.failWith;
    if (!versions || versions.length === 0) return undefined;
    if (options.version === "previous") return versions.at(-2);
    if (options.version !== undefined) return versions.find((r) => r.version === options.version);
    return versions.at(-1);
  }

  async getMany(names: readonly string[]): Promise<Map<string, SecretRecord>> {
    this.calls.getMany++;
    await this.gate;
    if (this.failWith) throw this.failWith;
    const out = new Map<string, SecretRecord>();
    for (const name of names) {
      const record = this.data.get(name)?.at(-1);
      if (record) out.set(name, record);
    }
    return out;
  }

  async set(name: string, value: string, options: WriteOptions = {}) {
    this.calls.set++;
    if (this.failWith) throw this.failWith;
    const versions = this.data.get(name) ?? [];
    const current = versions.at(-1);
    if (options.ifAbsent && current)
      throw new SecretConflictError(undefined, { provider: this.name, secret: name });
    if (options.ifVersion !== undefined && current?.version !== options.ifVersion)
      throw new SecretConflictError(undefined, { provider: this.name, secret: name });
    const version = String(versions.length + 1);
    versions.push({ value, version, updatedAt: new Date(), metadata: options.metadata });
    this.data.set(name, versions);
    return { version };
  }

  async delete(name: string): Promise<boolean> {
    this.calls.delete++;
    if (this.failWith) throw this.failWith;
    return this.data.delete(name);
  }

  async check(): Promise<void> {
    this.calls.check++;
    if (this.failWith) throw this.failWith;
  }

  async list(): Promise<string[]> {
    this.calls.list++;
    return [...this.data.keys()];
  }
}
