/**
 * The provider contract: the seam every backend, first- or third-party, plugs into.
 *
 * A provider is the thinnest translation between these calls and one backend.
 * Caching, coalescing, metrics, logging, name validation and error wrapping
 * live in the `SecretManager`, never in a provider.
 *
 * Every call core makes carries `options.signal`, an `AbortSignal` that aborts
 * at the call's deadline (`SECRET_TIMEOUT`). A provider passes it down to its
 * HTTP client and stops retrying once it fires; core rejects with
 * `SecretTimeoutError` at the deadline whether or not the provider listens.
 */

/** One stored secret as a provider returns it. Only `value` is required. */
export interface SecretRecord {
  value: string;
  /** An opaque version identifier, when the backend keeps versions. */
  version?: string | undefined;
  createdAt?: Date | undefined;
  updatedAt?: Date | undefined;
  /** Custom metadata the toolkit stored with the secret, such as `rotatedAt`. Never secret. */
  metadata?: Readonly<Record<string, string>> | undefined;
}

export interface ReadOptions {
  /**
   * Read a specific version instead of the current one: a provider-specific
   * identifier, or `"previous"` for the value before the current one.
   * Only for providers with the `versions` capability.
   */
  version?: string | undefined;
  /**
   * Ask for `createdAt`/`updatedAt`/`metadata` too. Without it a provider may
   * leave out what costs it an extra request; providers that get them for free
   * may ignore it.
   */
  metadata?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface WriteOptions {
  /** Create only: fail with `SecretConflictError` if the secret already exists. Needs `checkAndSet`. */
  ifAbsent?: boolean | undefined;
  /** Write only if the current version is this one, else `SecretConflictError`. Needs `checkAndSet`. */
  ifVersion?: string | undefined;
  /** Custom metadata to store with the secret. Needs `metadata`. Values are not secret. */
  metadata?: Readonly<Record<string, string>> | undefined;
  signal?: AbortSignal | undefined;
}

export interface WriteResult {
  /** The version created by the write, when the backend keeps versions. */
  version?: string | undefined;
}

/** One write of a `setMany` call: what `set(name, value, options)` would take. */
export interface WriteEntry {
  name: string;
  value: string;
  options?: Omit<WriteOptions, "signal"> | undefined;
}

export interface WriteManyOptions {
  signal?: AbortSignal | undefined;
}

/**
 * What `setMany` did with each entry, keyed by name: the entry's `WriteResult`
 * when it was written, or the `Error` that kept it from being written (for
 * example a `SecretConflictError` when `ifAbsent` found the secret there).
 */
export type WriteManyResult = Map<string, WriteResult | Error>;

export interface DeleteOptions {
  /** Delete at once, without the backend's recovery window (where there is one). */
  permanent?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface CheckOptions {
  signal?: AbortSignal | undefined;
}

export interface ListOptions {
  signal?: AbortSignal | undefined;
}

export interface RestoreOptions {
  signal?: AbortSignal | undefined;
}

/**
 * What a provider declares because its shape cannot say it. Batch reads and
 * listing are not declared: a provider that has `getMany` batches, one that has
 * `list` lists (see `capabilitiesOf`).
 *
 * Capabilities are final once the factory has resolved the provider: core reads
 * them once, then, and never again, so a provider that learns them while
 * connecting connects in its factory, before it returns.
 */
export interface ProviderCapabilities {
  /** `get(name, { version })` reads earlier versions; `"previous"` is understood. */
  versions: boolean;
  /** `set` honours `ifAbsent` and `ifVersion` atomically. */
  checkAndSet: boolean;
  /** Records carry `createdAt` / `updatedAt` / `version`, and `set` stores `metadata`. */
  metadata: boolean;
}

/** A provider's capabilities as core and the CLI consult them: declared, and by method presence. */
export interface ResolvedCapabilities extends ProviderCapabilities {
  /** The provider has `getMany`: several secrets in fewer requests than one each. */
  batchRead: boolean;
  /** The provider has `list`: the names of the secrets it holds. */
  list: boolean;
}

export const NO_CAPABILITIES: Readonly<ProviderCapabilities> = Object.freeze({
  versions: false,
  checkAndSet: false,
  metadata: false,
});

/** What `check` may report about a healthy backend; values must not be secret. */
export interface ProviderStatus {
  details?: Record<string, string | number | boolean> | undefined;
  /**
   * What works but an operator should fix, one sentence each, saying what to do
   * (`/app/.env can be read or written by other users (mode 0644): run chmod 600 on it`).
   * `health` reports the provider `degraded` while there is one. Never a value.
   */
  warnings?: readonly string[] | undefined;
}

export interface SecretProvider {
  /** Short, stable name used in errors, logs and metrics: `env`, `vault`, `aws`, `acme-foo`. */
  readonly name: string;
  /** Human name for messages, for example `Vault` in `Vault authentication failed`. */
  readonly displayName?: string | undefined;
  /** Declared capabilities; unannounced ones are `false`. Final once the factory resolves. */
  readonly capabilities?: Partial<ProviderCapabilities> | undefined;
  /**
   * The largest value the backend accepts, in UTF-8 bytes. Core refuses a
   * larger value before calling `set` (default when undeclared: 1 MiB, 1048576).
   */
  readonly maxValueBytes?: number | undefined;
  /**
   * What the provider is, where that changes how core's callers use it; every
   * trait unannounced is `false`. Final once the factory resolves.
   */
  readonly traits?:
    | Readonly<{
        /**
         * A store for local development. Outside production, `init` stores a
         * manifest's `development` value in it for a missing secret that has one;
         * on other providers that value is never used.
         */
        localDevelopment?: boolean | undefined;
        /**
         * Reads look up a name in the environment the provider was given
         * (`context.env`, consulted on every read, not copied) before its own
         * store, and a name set there wins. A caller that wants the store alone
         * (`secrets run`, `secrets copy`) removes those names from that object.
         */
        environmentFirst?: boolean | undefined;
        /**
         * Every delete is final, although the provider has `restore`: in this
         * configuration (a layout or store that keeps no deleted data, deletes
         * without a recovery window) `restore` cannot bring back what `delete`
         * removed, so callers do not offer it.
         */
        finalDeletes?: boolean | undefined;
      }>
    | undefined;

  /** The secret's current (or requested) value; `undefined` when it does not exist. Throws when the backend cannot be asked. */
  get(name: string, options?: ReadOptions): Promise<SecretRecord | undefined>;
  /** Create or replace a secret. */
  // biome-ignore lint/suspicious/noConfusingVoidType: implementations may simply return nothing
  set(name: string, value: string, options?: WriteOptions): Promise<WriteResult | undefined | void>;
  /** Delete a secret; `true` if it existed. */
  delete(name: string, options?: DeleteOptions): Promise<boolean>;
  /** Resolve when the backend is reachable and our credentials work; throw a `SecretError` otherwise. */
  // biome-ignore lint/suspicious/noConfusingVoidType: implementations may simply return nothing
  check(options?: CheckOptions): Promise<ProviderStatus | undefined | void>;

  /** Several secrets at once, in fewer requests than one each (its presence is the `batchRead` capability). Missing names are absent from the map. */
  getMany?(names: readonly string[], options?: ReadOptions): Promise<Map<string, SecretRecord>>;
  /**
   * Write several secrets in fewer requests than one each (a capability by
   * presence: core calls it when it exists). Each entry is checked and written
   * as `set` would do it (`ifAbsent`, `ifVersion`, `metadata`), and its outcome
   * is reported under its name: a `WriteResult`, or the `Error` for that entry
   * alone — the other entries are still written. Names are distinct (core
   * never passes one twice). Throw only when the call as a whole failed and no
   * entry was written (the backend is unreachable, a lock could not be taken).
   */
  setMany?(entries: readonly WriteEntry[], options?: WriteManyOptions): Promise<WriteManyResult>;
  /** Names of the secrets held (its presence is the `list` capability). */
  list?(options?: ListOptions): Promise<string[]>;
  /** Cancel a scheduled deletion, where the backend has one. */
  restore?(name: string, options?: RestoreOptions): Promise<void>;
  /** Release connections and timers. */
  close?(): Promise<void>;
}

/** What a provider factory is given. */
export interface ProviderContext {
  /** The environment to read configuration from (defaults to `process.env`). */
  env: Readonly<Record<string, string | undefined>>;
  /** The project directory: where relative paths such as `.env` are resolved. */
  cwd: string;
  logger: import("./logger.js").Logger;
  /**
   * The deadline in milliseconds (`SECRET_TIMEOUT`) for any request the factory
   * makes while connecting (logging in, reading a token file over the network…).
   * Core always sets it; a provider called by hand without it applies its own default.
   */
  timeoutMs?: number | undefined;
}

/**
 * A provider package exports `createProvider` (by name). What it returns (or
 * resolves) is final: its capabilities and optional methods do not change afterwards.
 */
export type ProviderFactory = (context: ProviderContext) => SecretProvider | Promise<SecretProvider>;

export interface ProviderModule {
  createProvider: ProviderFactory;
}

/**
 * A provider's capabilities, frozen: each declared one (`false` unless
 * announced), and `batchRead` / `list` from the presence of `getMany` / `list`
 * (a declared `batchRead` or `list` is ignored).
 */
export function capabilitiesOf(
  provider: Pick<SecretProvider, "capabilities" | "getMany" | "list">,
): Readonly<ResolvedCapabilities> {
  const declared: Partial<ProviderCapabilities> = provider.capabilities ?? NO_CAPABILITIES;
  return Object.freeze({
    versions: Boolean(declared.versions),
    checkAndSet: Boolean(declared.checkAndSet),
    metadata: Boolean(declared.metadata),
    batchRead: typeof provider.getMany === "function",
    list: typeof provider.list === "function",
  });
}
