/**
 * The Vault provider: the contract's operations on the connected layout,
 * connecting once on first use (shared by concurrent callers, abortable by
 * each), health checks, closing, and capabilities settled by the factory.
 */
import {
  type CheckOptions,
  type DeleteOptions,
  InvalidSecretValueError,
  isWellFormedText,
  type ListOptions,
  type Logger,
  type ProviderCapabilities,
  ProviderError,
  type ProviderStatus,
  plainHttpWarning,
  type ReadOptions,
  type SecretProvider,
  type SecretRecord,
  silentLogger,
  type WriteOptions,
  type WriteResult,
} from "@org/secrets-core/provider";
import { capabilitiesFor, traitsFor } from "./capabilities.js";
import { resolveVaultOptions, UNVERIFIED_TLS_RISK, type VaultSettings } from "./config.js";
import type { ResolvedAuth } from "./config-auth.js";
import { type Connection, closeConnection, openConnection } from "./connection.js";
import type { VaultClientLike, VaultProviderOptions } from "./options.js";
import { displayPath } from "./paths.js";
import { DISPLAY_NAME, PROVIDER } from "./request.js";

/** How long after connecting the first `check()` may rely on the mount lookup connecting made. */
const CHECK_REUSE_MS = 5_000;

/** Connect, then return a provider whose capabilities are the mount's (set by VaultProvider's static block). */
let connectedProvider: (options: VaultProviderOptions) => Promise<VaultProvider>;

/**
 * HashiCorp Vault / OpenBao KV (v1 and v2) as a secret provider, through node-vault.
 *
 * Nothing happens on construction but validating the options; the first call
 * (or `connect()`) loads node-vault, logs in and detects the mount's KV version.
 * `capabilities` are fixed at construction: those of `kvVersion`, else of KV v2.
 * `createVaultProvider` and `createProvider` connect first, so theirs are the mount's.
 */
export class VaultProvider implements SecretProvider {
  readonly name = PROVIDER;
  readonly displayName = DISPLAY_NAME;
  readonly #settings: VaultSettings;
  readonly #auth: ResolvedAuth;
  readonly #client: VaultClientLike | undefined;
  readonly #logger: Logger;
  #connection: Connection | undefined;
  #connecting: Promise<Connection> | undefined;
  #closed = false;

  constructor(options: VaultProviderOptions) {
    this.#logger = options.logger ?? silentLogger;
    this.#client = options.client;
    const { settings, auth } = resolveVaultOptions(options);
    this.#settings = settings;
    this.#auth = auth;
    this.capabilities = capabilitiesFor(this.#settings.kvVersion ?? 2, this.#settings.layout);
    this.traits = traitsFor(this.#settings.kvVersion ?? 2, this.#settings.layout);
  }

  static {
    connectedProvider = async (options) => {
      const provider = new VaultProvider(options);
      await provider.connect();
      const version = provider.#connection?.version;
      // A KV v1 mount found by detection: v1's capabilities, set before anyone
      // holds the provider, and read-only from then on.
      if (version !== undefined && version !== (provider.#settings.kvVersion ?? 2)) {
        Object.defineProperty(provider, "capabilities", {
          value: capabilitiesFor(version, provider.#settings.layout),
          writable: false,
        });
        Object.defineProperty(provider, "traits", {
          value: traitsFor(version, provider.#settings.layout),
          writable: false,
        });
      }
      return provider;
    };
  }

  /**
   * What this provider can do (KV v1 has no versions, check-and-set or
   * metadata). Fixed at construction; a plain property, not a getter, so
   * proxies and spreads see it.
   */
  readonly capabilities: Readonly<ProviderCapabilities>;

  /**
   * `finalDeletes` where `restore` cannot undo a delete: KV v1 keeps no
   * deleted data, and the document layout removes a field at once. Settled
   * with `capabilities`.
   */
  readonly traits: Readonly<{ finalDeletes: boolean }>;

  /** Load node-vault, log in and detect the mount. Done on first use; call it to fail fast. */
  async connect(options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    await this.#ready(options.signal, true);
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    return (await this.#ready(options.signal)).layout.get(name, options);
  }

  async getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    return (await this.#ready(options.signal)).layout.getMany(names, options);
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    // Refused before anything is sent: JSON would carry a lone surrogate as U+FFFD,
    // and the secret would silently read back as a different value.
    if (typeof value !== "string" || !isWellFormedText(value))
      throw new InvalidSecretValueError(undefined, {
        secret: name,
        reason:
          "it is not well-formed Unicode (it contains an unpaired UTF-16 surrogate), which Vault cannot store as given",
      });
    const connection = await this.#ready(options.signal);
    return connection.layout.set(name, value, options);
  }

  async delete(name: string, options: DeleteOptions = {}): Promise<boolean> {
    return (await this.#ready(options.signal)).layout.delete(
      name,
      options.permanent === true,
      options.signal,
    );
  }

  /** Undelete the current version of a soft-deleted secret (KV v2, per-secret layout). */
  async restore(name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return (await this.#ready(options.signal)).layout.restore(name, options.signal);
  }

  async list(options: ListOptions = {}): Promise<string[]> {
    return (await this.#ready(options.signal)).layout.list(options.signal);
  }

  /**
   * Reachable, unsealed, and our token may use the mount. A check that comes
   * first after connecting, within `CHECK_REUSE_MS`, sends nothing more when
   * connecting asked Vault about the mount (the KV version lookup): that answer
   * is the proof. Any later check sends one probe.
   */
  async check(options: CheckOptions = {}): Promise<ProviderStatus> {
    const connection = await this.#ready(options.signal, true);
    const { auth, mount, prefix } = connection;
    const probedAt = connection.probedAt;
    connection.probedAt = undefined;
    // Right after connecting, the mount lookup connecting made is the proof; so is any
    // request Vault answered as expected moments ago (a health check reads its secrets first).
    const proven =
      (probedAt !== undefined && Date.now() - probedAt <= CHECK_REUSE_MS) ||
      connection.transport.answeredWithin(CHECK_REUSE_MS);
    if (!proven) await this.#probe(connection, options.signal);
    const details: Record<string, string | number | boolean> = {
      url: connection.transport.url,
      mount: `${displayPath(mount)}/`,
      kv_version: connection.version,
      layout: this.#settings.layout,
      auth_method: auth.method,
    };
    if (prefix.length > 0) details.prefix = displayPath(prefix);
    if (this.#settings.namespace) details.namespace = this.#settings.namespace;
    const ttl = auth.ttlSeconds;
    if (ttl !== undefined) details.token_ttl_seconds = ttl;
    const warnings = this.#transportWarnings(connection.transport.url);
    return warnings.length > 0 ? { details, warnings } : { details };
  }

  /** What exposes the token and the secrets on the way to Vault: plain HTTP to another machine, or TLS unverified. */
  #transportWarnings(url: string): string[] {
    const warnings: string[] = [];
    const plain = plainHttpWarning(url, DISPLAY_NAME, "the token and every secret value");
    if (plain !== undefined) warnings.push(plain);
    else if (this.#settings.skipVerify && url.startsWith("https:"))
      warnings.push(
        `Vault's TLS certificate is not verified (VAULT_SKIP_VERIFY or skipVerify), so ${UNVERIFIED_TLS_RISK}: trust its CA with VAULT_CACERT instead`,
      );
    return warnings;
  }

  /** One request that needs the server reachable and unsealed and the token allowed to use the mount. */
  async #probe(connection: Connection, signal: AbortSignal | undefined): Promise<void> {
    const { auth, mount, prefix } = connection;
    if (this.#settings.kvVersion === undefined) {
      await auth.send({ method: "GET", segments: ["sys", "internal", "ui", "mounts", ...mount], signal });
      return;
    }
    const segments = connection.version === 2 ? [...mount, "metadata", ...prefix] : [...mount, ...prefix];
    await auth.send({ method: "LIST", segments, accept: [404], signal });
  }

  /** Stop token renewal and close kept-alive connections. */
  async close(): Promise<void> {
    this.#closed = true;
    const connection = this.#connection ?? (await this.#connecting?.catch(() => undefined));
    this.#connection = undefined;
    this.#connecting = undefined;
    if (!connection) return;
    closeConnection(connection);
  }

  /**
   * The connection, once connected. Every use but `connect()` and `check()` ends
   * what the mount lookup proves for `check()`: after other requests, only a new
   * probe says whether the server is still usable.
   */
  async #ready(signal?: AbortSignal, keepProof = false): Promise<Connection> {
    if (this.#closed)
      throw new ProviderError("This Vault provider was closed; create a new one", { provider: PROVIDER });
    const ready = this.#connection;
    if (ready) {
      if (!keepProof) ready.probedAt = undefined;
      return ready;
    }
    const connecting = this.#connecting ?? this.#startConnecting(signal);
    const connection = await (signal ? untilAborted(connecting, signal) : connecting);
    if (!keepProof) connection.probedAt = undefined;
    return connection;
  }

  #startConnecting(signal: AbortSignal | undefined): Promise<Connection> {
    this.#connecting = this.#connect(signal).then(
      (connection) => {
        if (this.#closed) {
          closeConnection(connection);
          throw new ProviderError("This Vault provider was closed; create a new one", { provider: PROVIDER });
        }
        this.#connection = connection;
        return connection;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  #connect(signal: AbortSignal | undefined): Promise<Connection> {
    return openConnection({
      settings: this.#settings,
      auth: this.#auth,
      client: this.#client,
      logger: this.#logger,
      signal,
    });
  }
}

/** Build a provider and connect it (log in, detect the mount), so its capabilities are the mount's. */
export async function createVaultProvider(options: VaultProviderOptions): Promise<VaultProvider> {
  return connectedProvider(options);
}

/** Wait for `promise`, but stop waiting (not the work) when `signal` fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function abortError(signal: AbortSignal): ProviderError {
  return new ProviderError("Connecting to Vault was aborted", { provider: PROVIDER, cause: signal.reason });
}
