/**
 * The layout on KV v1: one entry per secret at `<mount>/<prefix>/<NAME>`; no
 * versions, no check-and-set, no metadata, nothing to restore.
 */
import {
  NotSupportedError,
  ProviderError,
  type ReadOptions,
  SecretConflictError,
  type SecretRecord,
  type WriteOptions,
} from "@org/secrets-core/provider";
import { type Layout, type LayoutOptions, ownField, readEach, secretKeys } from "./layout.js";
import { VALUE_FIELD } from "./options.js";
import { displayPath } from "./paths.js";
import { PROVIDER, type Send } from "./request.js";

/**
 * KV v1, one entry per secret at `<mount>/<prefix>/<NAME>` with the value in the
 * `value` field. No versions, no check-and-set, no metadata: writes replace.
 */
export class KvV1Layout implements Layout {
  readonly #send: Send;
  readonly #mount: string[];
  readonly #prefix: string[];
  readonly #concurrency: number;

  constructor(options: LayoutOptions) {
    this.#send = options.send;
    this.#mount = options.mount;
    this.#prefix = options.prefix;
    this.#concurrency = options.concurrency;
  }

  #path(name?: string): string[] {
    return [...this.#mount, ...this.#prefix, ...(name === undefined ? [] : [name])];
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    if (options.version !== undefined)
      throw new NotSupportedError(undefined, {
        provider: PROVIDER,
        feature: "reading earlier versions on a KV v1 mount",
      });
    const response = await this.#send({
      method: "GET",
      segments: this.#path(name),
      accept: [404],
      secret: name,
      signal: options.signal,
    });
    if (response.status === 404) return undefined;
    const fields = (response.body?.data ?? {}) as Record<string, unknown>;
    const value = ownField(fields, VALUE_FIELD);
    if (typeof value !== "string")
      throw new ProviderError(
        `The Vault entry '${displayPath(this.#path(name))}' has no '${VALUE_FIELD}' field: store the secret with 'bao kv put ${displayPath(this.#path(name))} ${VALUE_FIELD}=...'`,
        { provider: PROVIDER, secret: name },
      );
    return { value };
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<{ version?: string }> {
    if (options.ifVersion !== undefined)
      throw new NotSupportedError(undefined, {
        provider: PROVIDER,
        feature: "check-and-set writes (ifVersion) on a KV v1 mount",
      });
    // KV v1 has no atomic create: look first, as core does for providers without check-and-set.
    if (options.ifAbsent && (await this.get(name, { signal: options.signal })) !== undefined)
      throw new SecretConflictError(`Secret '${name}' already exists`, { provider: PROVIDER, secret: name });
    await this.#send({
      method: "POST",
      segments: this.#path(name),
      body: { [VALUE_FIELD]: value },
      secret: name,
      signal: options.signal,
    });
    return {};
  }

  async delete(name: string, _permanent: boolean, signal?: AbortSignal): Promise<boolean> {
    const existing = await this.#send({
      method: "GET",
      segments: this.#path(name),
      accept: [404],
      secret: name,
      signal,
    });
    if (existing.status === 404) return false;
    await this.#send({ method: "DELETE", segments: this.#path(name), secret: name, signal });
    return true;
  }

  async restore(): Promise<void> {
    throw new NotSupportedError(undefined, {
      provider: PROVIDER,
      feature: "restoring deleted secrets on a KV v1 mount (it keeps no deleted data)",
    });
  }

  async list(signal?: AbortSignal): Promise<string[]> {
    const response = await this.#send({ method: "LIST", segments: this.#path(), accept: [404], signal });
    return secretKeys(response).sort();
  }

  getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    return readEach(names, this.#concurrency, options.signal, (name, signal) =>
      this.get(name, { ...options, signal }),
    );
  }
}
