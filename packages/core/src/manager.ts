import type { MeterProvider } from "@opentelemetry/api";
import { SecretCache } from "./cache.js";
import { mapConcurrent } from "./concurrency.js";
import { DEFAULT_CACHE_TTL_SECONDS, DEFAULT_STALE_IF_ERROR_SECONDS } from "./config.js";
import {
  capabilitiesOf,
  type DeleteOptions,
  type ProviderCapabilities,
  type SecretProvider,
  type SecretRecord,
  type WriteOptions,
  type WriteResult,
} from "./contract.js";
import {
  InvalidSecretValueError,
  NotSupportedError,
  ProviderInvalidError,
  SecretConflictError,
  type SecretError,
  SecretNotFoundError,
} from "./errors.js";
import { type Logger, silentLogger } from "./logger.js";
import { SecretMetrics } from "./metrics.js";
import { assertValidSecretName } from "./names.js";
import { wrapError } from "./provider-error.js";
import { registerSecretValue } from "./redact.js";

export interface SecretManagerOptions {
  /** A provider instance, or a function that resolves one on first use. */
  provider: SecretProvider | (() => Promise<SecretProvider>);
  /** Name to use in logs and errors before a lazy provider is resolved. */
  providerName?: string;
  /** Cache time-to-live in milliseconds (default 300 000; 0 turns caching off). */
  cacheTtlMs?: number;
  /** How long past its TTL a cached value is served when the backend fails (default 900 000). */
  staleIfErrorMs?: number;
  logger?: Logger;
  /** Defaults to the global OpenTelemetry meter provider. */
  meterProvider?: MeterProvider;
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
}

export interface SetOptions extends Omit<WriteOptions, "signal"> {}

export interface ProviderCheckResult {
  ok: boolean;
  provider: string;
  latencyMs: number;
  details?: Record<string, string | number | boolean> | undefined;
  error?: SecretError | undefined;
}

type Operation = "get" | "get_many" | "set" | "delete" | "list" | "check" | "restore";

/**
 * The one entry point applications use. It owns everything providers should not:
 * name validation, the TTL cache with stale-if-error, coalescing of concurrent
 * reads, bounded concurrency for bulk reads, metrics, debug logging and error
 * wrapping. It never logs or throws a secret value.
 */
export class SecretManager {
  readonly #source: SecretProvider | (() => Promise<SecretProvider>);
  #provider: SecretProvider | undefined;
  #resolving: Promise<SecretProvider> | undefined;
  #providerName: string;
  readonly #cache: SecretCache;
  readonly #inflight = new Map<string, Promise<SecretRecord | undefined>>();
  readonly #logger: Logger;
  readonly #debug: boolean;
  readonly #metrics: SecretMetrics;
  readonly #concurrency: number;
  readonly #now: () => number;

  constructor(options: SecretManagerOptions) {
    this.#source = options.provider;
    if (typeof options.provider !== "function") {
      checkProviderShape(options.provider, options.provider?.name ?? "provider");
      this.#provider = options.provider;
    }
    this.#providerName = this.#provider?.name ?? options.providerName ?? "unknown";
    this.#now = options.now ?? Date.now;
    this.#cache = new SecretCache({
      ttlMs: options.cacheTtlMs ?? DEFAULT_CACHE_TTL_SECONDS * 1000,
      staleIfErrorMs: options.staleIfErrorMs ?? DEFAULT_STALE_IF_ERROR_SECONDS * 1000,
      now: this.#now,
    });
    this.#logger = options.logger ?? silentLogger;
    this.#debug = this.#logger.isLevelEnabled?.("debug") ?? true;
    this.#metrics = new SecretMetrics(options.meterProvider);
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

  /** The provider, resolving it first if it was given lazily. */
  async getProvider(): Promise<SecretProvider> {
    if (this.#provider) return this.#provider;
    this.#resolving ??= (async () => {
      const provider = await (this.#source as () => Promise<SecretProvider>)();
      checkProviderShape(provider, this.#providerName);
      this.#provider = provider;
      this.#providerName = provider.name;
      return provider;
    })();
    try {
      return await this.#resolving;
    } catch (error) {
      this.#resolving = undefined;
      throw error;
    }
  }

  async getCapabilities(): Promise<ProviderCapabilities> {
    return capabilitiesOf(await this.getProvider());
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
    if (record === undefined) {
      this.#metrics.error({ provider: this.#providerName, operation: "get", code: "SECRET_NOT_FOUND" });
      throw new SecretNotFoundError(name, { provider: this.#providerName });
    }
    return record.value;
  }

  /** The secret with its version and metadata, or `undefined` when it does not exist. */
  async getSecretRecord(name: string, options: GetOptions = {}): Promise<SecretRecord | undefined> {
    assertValidSecretName(name);
    if (options.version !== undefined) return this.#readVersion(name, options.version);

    if (!options.fresh) {
      const hit = this.#cachedRead(name);
      if (hit !== undefined) return hit.record;
    }
    const cached = this.#cache.enabled ? this.#cache.lookup(name) : ({ state: "none" } as const);
    const pending = this.#inflight.get(name);
    if (pending && !options.fresh) return pending;

    const generation = this.#cache.generation(name);
    const started = this.#now();
    const read = (async () => {
      const provider = await this.getProvider();
      try {
        const record = await provider.get(name, {});
        checkRecord(record, provider.name, name);
        if (record) registerSecretValue(record.value);
        this.#cache.store(name, record, generation);
        this.#record("get", name, record ? "success" : "missing", started);
        return record;
      } catch (error) {
        const wrapped = wrapError(error, provider.name, "get", name);
        if (cached.state !== "none" && options.allowStale !== false) {
          this.#metrics.error({ provider: this.#providerName, operation: "get", code: wrapped.code });
          this.#metrics.request({ provider: this.#providerName, operation: "get", outcome: "stale" });
          this.#logger.warn("secret.get served a stale cached value after a provider failure", {
            name,
            provider: this.#providerName,
            error_code: wrapped.code,
            error: wrapped.message,
          });
          return cached.record;
        }
        this.#fail("get", name, wrapped, started);
        throw wrapped;
      }
    })();
    this.#inflight.set(name, read);
    try {
      return await read;
    } finally {
      if (this.#inflight.get(name) === read) this.#inflight.delete(name);
    }
  }

  /**
   * Several secrets at once, in the fewest backend calls: fresh cached values
   * first, then one batch read where the provider has one, else reads with
   * bounded concurrency. Missing names are absent from the result.
   */
  async getSecrets(
    names: readonly string[],
    options: Pick<GetOptions, "fresh"> = {},
  ): Promise<Map<string, string>> {
    const records = await this.getSecretRecords(names, options);
    const out = new Map<string, string>();
    for (const [name, record] of records) out.set(name, record.value);
    return out;
  }

  /**
   * Like `getSecrets`, with versions and metadata. With `fresh`, cached values are
   * not served but still stand in (stale-if-error) when the backend fails.
   */
  async getSecretRecords(
    names: readonly string[],
    options: Pick<GetOptions, "fresh" | "allowStale"> = {},
  ): Promise<Map<string, SecretRecord>> {
    const unique = [...new Set(names)];
    for (const name of unique) assertValidSecretName(name);
    const out = new Map<string, SecretRecord>();
    const toFetch: string[] = [];
    const stale = new Map<string, SecretRecord | undefined>();
    for (const name of unique) {
      const cached = this.#cache.enabled ? this.#cache.lookup(name) : ({ state: "none" } as const);
      if (cached.state === "fresh" && !options.fresh) {
        this.#metrics.cachedRead(this.#providerName);
        if (cached.record) out.set(name, cached.record);
        continue;
      }
      if (cached.state !== "none" && options.allowStale !== false) stale.set(name, cached.record);
      toFetch.push(name);
    }
    if (toFetch.length === 0) return out;

    const provider = await this.getProvider();
    if (
      !capabilitiesOf(provider).batchRead ||
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

    const generations = new Map(toFetch.map((name) => [name, this.#cache.generation(name)]));
    const started = this.#now();
    try {
      const found = await provider.getMany(toFetch, {});
      if (!(found instanceof Map))
        throw new ProviderInvalidError(provider.name, "getMany() must return a Map");
      for (const name of toFetch) {
        const record = found.get(name);
        checkRecord(record, provider.name, name);
        if (record) {
          registerSecretValue(record.value);
          out.set(name, record);
        }
        this.#cache.store(name, record, generations.get(name) ?? 0);
      }
      this.#record("get_many", `${toFetch.length} secrets`, "success", started);
      return out;
    } catch (error) {
      const wrapped = wrapError(error, provider.name, "get_many");
      if (stale.size === toFetch.length) {
        this.#metrics.error({ provider: this.#providerName, operation: "get_many", code: wrapped.code });
        this.#logger.warn("secret.get_many served stale cached values after a provider failure", {
          provider: this.#providerName,
          error_code: wrapped.code,
          error: wrapped.message,
        });
        for (const [name, record] of stale) if (record) out.set(name, record);
        return out;
      }
      this.#fail("get_many", `${toFetch.length} secrets`, wrapped, started);
      throw wrapped;
    }
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

  /** `setSecret`, resolving to what the provider reports of the write (the new version, where kept). */
  async writeSecret(name: string, value: string, options: SetOptions = {}): Promise<WriteResult> {
    assertValidSecretName(name);
    if (typeof value !== "string") throw new InvalidSecretValueError(name, "a value must be a string");
    registerSecretValue(value);
    const provider = await this.getProvider();
    const capabilities = capabilitiesOf(provider);
    this.#cache.invalidate(name);
    try {
      return await this.#call("set", name, provider, async () => {
        if (options.ifVersion !== undefined && !capabilities.checkAndSet)
          throw new NotSupportedError(provider.name, "check-and-set writes (ifVersion)");
        const { metadata, ...rest } = options;
        const writeOptions: WriteOptions = { ...rest };
        if (metadata && capabilities.metadata) writeOptions.metadata = metadata;
        if (options.ifAbsent && !capabilities.checkAndSet) {
          // Best effort for providers without atomic create: look first.
          delete writeOptions.ifAbsent;
          if ((await provider.get(name, {})) !== undefined)
            throw new SecretConflictError(provider.name, name, `Secret '${name}' already exists`);
        }
        const result = await provider.set(name, value, writeOptions);
        return result && typeof result === "object" && typeof result.version === "string"
          ? { version: result.version }
          : {};
      });
    } finally {
      this.#cache.invalidate(name);
    }
  }

  /** Delete a secret. Resolves `true` if it existed, `false` if it did not. */
  async deleteSecret(name: string, options: Omit<DeleteOptions, "signal"> = {}): Promise<boolean> {
    assertValidSecretName(name);
    const provider = await this.getProvider();
    this.#cache.invalidate(name);
    try {
      const existed = await this.#call(
        "delete",
        name,
        provider,
        () => provider.delete(name, { ...options }),
        (done) => (done ? "success" : "missing"),
      );
      return existed === true;
    } finally {
      this.#cache.invalidate(name);
    }
  }

  /** Cancel a scheduled deletion (providers with a recovery window). */
  async restoreSecret(name: string): Promise<void> {
    assertValidSecretName(name);
    const provider = await this.getProvider();
    if (typeof provider.restore !== "function")
      throw new NotSupportedError(provider.name, "restoring deleted secrets");
    const restore = provider.restore.bind(provider);
    this.#cache.invalidate(name);
    await this.#call("restore", name, provider, () => restore(name));
  }

  /** Names of the secrets the provider holds, sorted (capability `list`). */
  async listSecrets(): Promise<string[]> {
    const provider = await this.getProvider();
    if (!capabilitiesOf(provider).list || typeof provider.list !== "function")
      throw new NotSupportedError(provider.name, "listing secrets");
    const list = provider.list.bind(provider);
    const names = await this.#call("list", "", provider, () => list({}));
    return [...names].sort();
  }

  /** Is the backend reachable with working credentials? Never throws. */
  async checkProvider(): Promise<ProviderCheckResult> {
    const started = this.#now();
    let provider: SecretProvider;
    try {
      provider = await this.getProvider();
    } catch (error) {
      const wrapped = wrapError(error, this.#providerName, "check");
      this.#fail("check", "", wrapped, started);
      return { ok: false, provider: this.#providerName, latencyMs: 0, error: wrapped };
    }
    try {
      const status = await provider.check({});
      const latencyMs = this.#now() - started;
      this.#record("check", "", "success", started);
      return { ok: true, provider: provider.name, latencyMs, details: status ? status.details : undefined };
    } catch (error) {
      const wrapped = wrapError(error, provider.name, "check");
      this.#fail("check", "", wrapped, started);
      return { ok: false, provider: provider.name, latencyMs: this.#now() - started, error: wrapped };
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

  async #readVersion(name: string, version: string): Promise<SecretRecord | undefined> {
    const provider = await this.getProvider();
    return this.#call(
      "get",
      name,
      provider,
      async () => {
        if (!capabilitiesOf(provider).versions)
          throw new NotSupportedError(provider.name, "reading earlier versions");
        const record = await provider.get(name, { version });
        checkRecord(record, provider.name, name);
        if (record) registerSecretValue(record.value);
        return record;
      },
      (record) => (record ? "success" : "missing"),
    );
  }

  /** One provider call: counted, logged at debug, and any failure wrapped (with no value in it). */
  async #call<T>(
    operation: Operation,
    name: string,
    provider: SecretProvider,
    fn: () => Promise<T>,
    outcome: (result: T) => string = () => "success",
  ): Promise<T> {
    const started = this.#now();
    try {
      const result = await fn();
      this.#record(operation, name, outcome(result), started);
      return result;
    } catch (error) {
      const wrapped = wrapError(error, provider.name, operation, name || undefined);
      this.#fail(operation, name, wrapped, started);
      throw wrapped;
    }
  }

  #record(operation: Operation, name: string, outcome: string, started: number): void {
    this.#metrics.request({ provider: this.#providerName, operation, outcome });
    if (this.#debug) this.#log(operation, name, outcome, this.#now() - started);
  }

  #fail(operation: Operation, name: string, error: SecretError, started: number): void {
    this.#metrics.request({ provider: this.#providerName, operation, outcome: "error" });
    this.#metrics.error({ provider: this.#providerName, operation, code: error.code });
    if (this.#debug)
      this.#logger.debug(`secret.${operation}`, {
        name: name || undefined,
        provider: this.#providerName,
        outcome: "error",
        error_code: error.code,
        error: error.message,
        duration_ms: this.#now() - started,
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
}

/** The contract's required shape: a name and the four required methods. */
export function checkProviderShape(provider: unknown, label: string): asserts provider is SecretProvider {
  if (typeof provider !== "object" || provider === null)
    throw new ProviderInvalidError(label, "expected an object with get, set, delete and check methods");
  const p = provider as Record<string, unknown>;
  if (typeof p.name !== "string" || p.name.length === 0)
    throw new ProviderInvalidError(label, "the provider has no name");
  const missing = ["get", "set", "delete", "check"].filter((m) => typeof p[m] !== "function");
  if (missing.length > 0) throw new ProviderInvalidError(label, `missing method(s) ${missing.join(", ")}`);
  if (p.capabilities !== undefined && (typeof p.capabilities !== "object" || p.capabilities === null))
    throw new ProviderInvalidError(label, "capabilities must be an object");
}

function checkRecord(
  record: unknown,
  provider: string,
  name: string,
): asserts record is SecretRecord | undefined {
  if (record === undefined) return;
  if (typeof record !== "object" || record === null || typeof (record as SecretRecord).value !== "string")
    throw new ProviderInvalidError(provider, `get('${name}') must return { value: string } or undefined`);
}
