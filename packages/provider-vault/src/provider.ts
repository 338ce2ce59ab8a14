import { readFile } from "node:fs/promises";
import type { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import path from "node:path";
import {
  type CheckOptions,
  type DeleteOptions,
  InvalidSecretValueError,
  type ListOptions,
  type Logger,
  NotSupportedError,
  type ProviderCapabilities,
  type ProviderContext,
  ProviderError,
  ProviderNotConfiguredError,
  type ProviderStatus,
  type ReadOptions,
  SecretConfigError,
  type SecretProvider,
  type SecretRecord,
  silentLogger,
  type WriteOptions,
  type WriteResult,
} from "@org/secrets-core/provider";
import { type ResolvedAuth, VaultAuthenticator } from "./auth.js";
import { parseVaultConfig } from "./config.js";
import { DocumentStore } from "./document.js";
import { requestPromise } from "./http.js";
import { detectMount, KvV1Store, KvV2Store, type SecretStore } from "./kv.js";
import {
  DEFAULT_APPROLE_MOUNT,
  DEFAULT_CONCURRENCY,
  DEFAULT_KUBERNETES_MOUNT,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MOUNT,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  type VaultClientLike,
  type VaultLayout,
  type VaultProviderOptions,
} from "./options.js";
import { addressProblem, displayPath, originProblem, splitPath } from "./paths.js";
import { reveal } from "./sensitive.js";
import { DISPLAY_NAME, PROVIDER, VaultTransport } from "./transport.js";

// Per-secret layouts read a batch as parallel reads with bounded concurrency (`getMany`).
/** How long after connecting the first `check()` may rely on the mount lookup connecting made. */
const CHECK_REUSE_MS = 5_000;

// Every layout has getMany and list.
const V2_PER_SECRET: Readonly<ProviderCapabilities> = Object.freeze({
  versions: true,
  checkAndSet: true,
  metadata: true,
});
const V2_DOCUMENT: Readonly<ProviderCapabilities> = Object.freeze({
  versions: true,
  checkAndSet: true,
  metadata: false,
});
const V1_PER_SECRET: Readonly<ProviderCapabilities> = Object.freeze({
  versions: false,
  checkAndSet: false,
  metadata: false,
});

function capabilitiesFor(version: 1 | 2, layout: VaultLayout): Readonly<ProviderCapabilities> {
  if (version === 1) return V1_PER_SECRET;
  return layout === "document" ? V2_DOCUMENT : V2_PER_SECRET;
}

/** Settings without credentials: safe to keep around and to show. */
interface Settings {
  url: string | undefined;
  mount: string[];
  prefix: string[];
  layout: VaultLayout;
  kvVersion: 1 | 2 | undefined;
  namespace: string | undefined;
  caCert: string | Buffer | undefined;
  caCertFile: string | undefined;
  skipVerify: boolean;
  timeoutMs: number;
  connectTimeoutMs: number | undefined;
  redirectAllow: string[];
  maxRetries: number;
  retryDelayMs: number;
  concurrency: number;
  renewToken: boolean;
  cwd: string;
}

interface Connection {
  store: SecretStore;
  auth: VaultAuthenticator;
  transport: VaultTransport;
  version: 1 | 2;
  mount: string[];
  prefix: string[];
  agents: { http?: HttpAgent; https?: HttpsAgent };
  /** When connecting asked Vault about the mount (so it was reachable and the token could use it); cleared by the first check. */
  probedAt: number | undefined;
}

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
  readonly #settings: Settings;
  readonly #auth: ResolvedAuth;
  readonly #client: VaultClientLike | undefined;
  readonly #logger: Logger;
  #connection: Connection | undefined;
  #connecting: Promise<Connection> | undefined;
  #closed = false;
  /** A connection made by another instance for the one being constructed (see the static block). */
  static #adopting: Connection | undefined;

  constructor(options: VaultProviderOptions) {
    const adopted = VaultProvider.#adopting;
    VaultProvider.#adopting = undefined;
    this.#logger = options.logger ?? silentLogger;
    this.#client = options.client;
    this.#settings = resolveSettings(options);
    this.#auth = resolveAuth(options);
    this.#connection = adopted;
    this.capabilities = capabilitiesFor(
      adopted?.version ?? this.#settings.kvVersion ?? 2,
      this.#settings.layout,
    );
  }

  static {
    connectedProvider = async (options) => {
      const probe = new VaultProvider(options);
      await probe.connect();
      const connection = probe.#connection;
      if (connection === undefined || connection.version === (probe.#settings.kvVersion ?? 2)) return probe;
      // A KV v1 mount found by detection: the same settings and connection, v1's capabilities.
      probe.#connection = undefined;
      probe.#closed = true;
      VaultProvider.#adopting = connection;
      try {
        return new VaultProvider(options);
      } finally {
        VaultProvider.#adopting = undefined;
      }
    };
  }

  /**
   * What this provider can do (KV v1 has no versions, check-and-set or
   * metadata). Fixed at construction; a plain property, not a getter, so
   * proxies and spreads see it.
   */
  readonly capabilities: Readonly<ProviderCapabilities>;

  /** Load node-vault, log in and detect the mount. Done on first use; call it to fail fast. */
  async connect(options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    await this.#ready(options.signal, true);
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    const connection = await this.#ready(options.signal);
    if (options.version !== undefined && connection.version === 1)
      throw new NotSupportedError(undefined, {
        provider: PROVIDER,
        feature: "reading earlier versions on a KV v1 mount",
      });
    return connection.store.get(name, options);
  }

  async getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    return (await this.#ready(options.signal)).store.getMany(names, options);
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    // Refused before anything is sent: JSON would carry a lone surrogate as U+FFFD,
    // and the secret would silently read back as a different value.
    if (typeof value !== "string" || !isWellFormed(value))
      throw new InvalidSecretValueError(undefined, {
        secret: name,
        reason:
          "it is not well-formed Unicode (it contains an unpaired UTF-16 surrogate), which Vault cannot store as given",
      });
    const connection = await this.#ready(options.signal);
    return connection.store.set(name, value, options);
  }

  async delete(name: string, options: DeleteOptions = {}): Promise<boolean> {
    return (await this.#ready(options.signal)).store.delete(name, options.permanent === true, options.signal);
  }

  /** Undelete the current version of a soft-deleted secret (KV v2, per-secret layout). */
  async restore(name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return (await this.#ready(options.signal)).store.restore(name, options.signal);
  }

  async list(options: ListOptions = {}): Promise<string[]> {
    return (await this.#ready(options.signal)).store.list(options.signal);
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
    return { details };
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
    connection.auth.close();
    connection.transport.close();
    connection.agents.http?.destroy();
    connection.agents.https?.destroy();
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
          connection.auth.close();
          connection.transport.close();
          connection.agents.http?.destroy();
          connection.agents.https?.destroy();
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

  async #connect(signal: AbortSignal | undefined): Promise<Connection> {
    const settings = this.#settings;
    // Connecting (login, mount detection) is bounded as a whole, not just per request.
    const deadline =
      settings.connectTimeoutMs === undefined ? undefined : Date.now() + settings.connectTimeoutMs;
    const agents: Connection["agents"] = {};
    let client = this.#client;
    if (!client) {
      const url = settings.url as string;
      const [http, https] = await Promise.all([import("node:http"), import("node:https")]);
      agents.http = new http.Agent({ keepAlive: true });
      const ca = await this.#caCert();
      agents.https = new https.Agent({
        keepAlive: true,
        rejectUnauthorized: !settings.skipVerify,
        ...(ca === undefined ? {} : { ca }),
      });
      client = await createNodeVaultClient(
        url,
        requestPromise({
          httpAgent: agents.http,
          httpsAgent: agents.https,
          allowedOrigins: new Set(settings.redirectAllow),
          defaultTimeoutMs: settings.timeoutMs,
        }),
      );
    }
    let auth: VaultAuthenticator | undefined;
    const transport = new VaultTransport({
      client,
      url: settings.url ?? clientEndpoint(client),
      namespace: settings.namespace,
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      retryDelayMs: settings.retryDelayMs,
      logger: this.#logger,
      httpAgent: agents.http,
      httpsAgent: agents.https,
      credentials: () => auth?.credentials() ?? [],
    });
    auth = new VaultAuthenticator({
      auth: this.#auth,
      transport,
      logger: this.#logger,
      renew: settings.renewToken,
      cwd: settings.cwd,
    });
    const send = auth.send.bind(auth);
    const connectSend: typeof send = (request) =>
      send({ ...request, signal: request.signal ?? signal, deadline: request.deadline ?? deadline });
    try {
      let mount = settings.mount;
      let prefix = settings.prefix;
      let version = settings.kvVersion;
      let probedAt: number | undefined;
      if (version === undefined) {
        const info = await detectMount(connectSend, settings.mount);
        probedAt = Date.now();
        mount = info.mount;
        prefix = [...info.rest, ...settings.prefix];
        version = info.version;
      }
      if (settings.layout === "document" && version === 1)
        throw new SecretConfigError(
          `The document layout needs KV v2 check-and-set, and '${displayPath(mount)}/' is a KV v1 mount: use VAULT_LAYOUT=per-secret or a KV v2 mount`,
          { field: "VAULT_LAYOUT", provider: PROVIDER },
        );
      if (settings.layout === "document" && prefix.length === 0)
        throw new ProviderNotConfiguredError(undefined, {
          provider: PROVIDER,
          reason:
            "the document layout needs VAULT_PATH_PREFIX, the entry that holds every secret (for example myapp)",
          missing: ["VAULT_PATH_PREFIX"],
        });
      const storeOptions = { send, mount, prefix, logger: this.#logger, concurrency: settings.concurrency };
      const store: SecretStore =
        version === 1
          ? new KvV1Store(storeOptions)
          : settings.layout === "document"
            ? new DocumentStore(storeOptions)
            : new KvV2Store(storeOptions);
      this.#logger.debug("vault.connected", {
        url: transport.url,
        mount: displayPath(mount),
        kv_version: version,
        layout: settings.layout,
        auth_method: auth.method,
      });
      return {
        store,
        auth,
        transport,
        version,
        mount,
        prefix,
        agents,
        probedAt,
      };
    } catch (error) {
      auth.close();
      transport.close();
      agents.http?.destroy();
      agents.https?.destroy();
      throw error;
    }
  }

  async #caCert(): Promise<string | Buffer | undefined> {
    const { caCert, caCertFile, cwd } = this.#settings;
    if (caCert !== undefined) return caCert;
    if (caCertFile === undefined) return undefined;
    const file = path.resolve(cwd, caCertFile);
    try {
      return await readFile(file);
    } catch (error) {
      throw new SecretConfigError(
        `Cannot read the CA certificate file ${file} (${(error as NodeJS.ErrnoException).code ?? "unreadable"}): check VAULT_CACERT`,
        { field: "VAULT_CACERT", provider: PROVIDER, cause: error },
      );
    }
  }
}

/** Build a provider and connect it (log in, detect the mount), so its capabilities are the mount's. */
export async function createVaultProvider(options: VaultProviderOptions): Promise<VaultProvider> {
  return connectedProvider(options);
}

/**
 * The provider module entry point core calls for `SECRET_PROVIDER=vault`:
 * configuration from `context.env`, warnings to `context.logger`, relative
 * paths from `context.cwd`.
 */
export async function createProvider(context: ProviderContext): Promise<VaultProvider> {
  const { config, warnings, errors, missing } = parseVaultConfig(context.env);
  for (const warning of warnings) context.logger.warn(warning, { provider: PROVIDER });
  if (missing.length > 0) {
    const detail = errors
      .filter((e) => e.field !== undefined && missing.includes(e.field))
      .map((e) => e.message)
      .join("; ");
    throw new ProviderNotConfiguredError(undefined, { provider: PROVIDER, reason: detail, missing });
  }
  if (errors.length > 0) throw errors[0];
  // The deadline core gives every call also bounds connecting (login, mount detection).
  const deadline = (context as { timeoutMs?: unknown }).timeoutMs;
  const connectTimeoutMs =
    typeof deadline === "number" && Number.isFinite(deadline) && deadline > 0 ? deadline : undefined;
  return createVaultProvider({
    ...config,
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    logger: context.logger,
    cwd: context.cwd,
  });
}

async function createNodeVaultClient(url: string, transport: unknown): Promise<VaultClientLike> {
  const mod = (await import("node-vault")) as unknown as { default?: unknown };
  const factory = (typeof mod.default === "function" ? mod.default : mod) as (
    options: Record<string, unknown>,
  ) => VaultClientLike & Record<string, unknown>;
  const client = factory({
    endpoint: url,
    apiVersion: "v1",
    // node-vault writes request bodies (secret values) to its `debug` logger; never let it.
    debug: () => {},
    // node-vault reads VAULT_SKIP_VERIFY itself (any non-empty value disables checks);
    // the provider passes its own agents instead, built from the parsed setting.
    rpDefaults: { strictSSL: true },
    // Every request goes through the provider's own HTTP client: redirects, aborts and timeouts are ours.
    "request-promise": transport,
  });
  // node-vault also picks these up from process.env on its own; the provider sends
  // token and namespace per request, and paths are exactly the ones it encoded.
  client.token = undefined;
  client.namespace = undefined;
  client.pathPrefix = "";
  return client;
}

function clientEndpoint(client: VaultClientLike): string {
  const endpoint = (client as { endpoint?: unknown }).endpoint;
  return typeof endpoint === "string" ? endpoint : "the configured Vault client";
}

function resolveSettings(options: VaultProviderOptions): Settings {
  const cwd = options.cwd ?? process.cwd();
  let url: string | undefined;
  if (options.url !== undefined) {
    url = options.url.trim().replace(/\/+$/, "");
    const problem = addressProblem(url);
    if (problem !== undefined)
      throw new SecretConfigError(
        `Invalid Vault address: ${problem}; use an address such as https://vault.example.com:8200`,
        { field: "url", provider: PROVIDER },
      );
  } else if (!options.client) {
    throw new ProviderNotConfiguredError(undefined, {
      provider: PROVIDER,
      reason:
        "VAULT_URL is not set: set it (or VAULT_ADDR) to the Vault address, for example https://vault.example.com:8200",
      missing: ["VAULT_URL"],
    });
  }
  const segments = (value: string | undefined, field: string, fallback: string[]): string[] => {
    if (value === undefined) return fallback;
    try {
      return splitPath(value, field);
    } catch (error) {
      throw new SecretConfigError(`Invalid ${field}: ${(error as Error).message}`, {
        field,
        provider: PROVIDER,
      });
    }
  };
  const mount = segments(options.mount, "mount", [DEFAULT_MOUNT]);
  if (mount.length === 0)
    throw new SecretConfigError(
      "The Vault mount cannot be empty: set VAULT_MOUNT_POINT, for example secret",
      {
        field: "mount",
        provider: PROVIDER,
      },
    );
  const layout = options.layout ?? "per-secret";
  if (layout !== "per-secret" && layout !== "document")
    throw new SecretConfigError("Invalid layout: use per-secret or document", {
      field: "layout",
      provider: PROVIDER,
    });
  const prefix = segments(options.prefix, "prefix", []);
  const number = (value: number | undefined, field: string, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value < min)
      throw new SecretConfigError(`Invalid ${field} ${value}: use a number of at least ${min}`, {
        field,
        provider: PROVIDER,
      });
    return value;
  };
  const timeoutMs = number(options.timeoutMs, "timeoutMs", DEFAULT_TIMEOUT_MS, 1);
  if (options.kvVersion !== undefined && options.kvVersion !== 1 && options.kvVersion !== 2)
    throw new SecretConfigError(`Invalid kvVersion ${String(options.kvVersion)}: use 1 or 2`, {
      field: "kvVersion",
      provider: PROVIDER,
    });
  return {
    url,
    mount,
    prefix,
    layout,
    kvVersion: options.kvVersion,
    namespace: options.namespace?.trim() || undefined,
    caCert: options.caCert,
    caCertFile: options.caCertFile,
    skipVerify: options.skipVerify === true,
    timeoutMs,
    connectTimeoutMs:
      options.connectTimeoutMs === undefined
        ? undefined
        : number(options.connectTimeoutMs, "connectTimeoutMs", timeoutMs, 1),
    redirectAllow: redirectOrigins(options.redirectAllow),
    maxRetries: Math.floor(number(options.maxRetries, "maxRetries", DEFAULT_MAX_RETRIES, 0)),
    retryDelayMs: number(options.retryDelayMs, "retryDelayMs", DEFAULT_RETRY_DELAY_MS, 0),
    concurrency: Math.floor(number(options.concurrency, "concurrency", DEFAULT_CONCURRENCY, 1)),
    renewToken: options.renewToken !== false,
    cwd,
  };
}

function resolveAuth(options: VaultProviderOptions): ResolvedAuth {
  const auth =
    options.auth ??
    (options.token !== undefined ? { method: "token" as const, token: options.token } : undefined);
  if (!auth) {
    if (options.client) return { method: "client" };
    throw new ProviderNotConfiguredError(undefined, {
      provider: PROVIDER,
      reason:
        "no Vault credentials: set VAULT_TOKEN (or VAULT_TOKEN_FILE), or VAULT_AUTH_METHOD=approle with VAULT_ROLE_ID and VAULT_SECRET_ID, or VAULT_AUTH_METHOD=kubernetes with VAULT_K8S_ROLE",
      missing: ["VAULT_TOKEN"],
    });
  }
  switch (auth.method) {
    case "token": {
      const token = reveal(auth.token);
      if (!token && !auth.tokenFile)
        throw new ProviderNotConfiguredError(undefined, {
          provider: PROVIDER,
          reason: "token auth needs a token or a token file (VAULT_TOKEN or VAULT_TOKEN_FILE)",
          missing: ["VAULT_TOKEN"],
        });
      return { method: "token", token: token || undefined, tokenFile: token ? undefined : auth.tokenFile };
    }
    case "approle": {
      const roleId = reveal(auth.roleId);
      if (!roleId && !auth.roleIdFile)
        throw new ProviderNotConfiguredError(undefined, {
          provider: PROVIDER,
          reason: "AppRole login needs a role id (VAULT_ROLE_ID or VAULT_ROLE_ID_FILE)",
          missing: ["VAULT_ROLE_ID"],
        });
      return {
        method: "approle",
        roleId: roleId || undefined,
        roleIdFile: roleId ? undefined : auth.roleIdFile,
        secretId: reveal(auth.secretId) || undefined,
        secretIdFile: auth.secretIdFile,
        mount: auth.mount ?? DEFAULT_APPROLE_MOUNT,
      };
    }
    case "kubernetes":
      if (!auth.role)
        throw new ProviderNotConfiguredError(undefined, {
          provider: PROVIDER,
          reason: "Kubernetes login needs a role (VAULT_K8S_ROLE)",
          missing: ["VAULT_K8S_ROLE"],
        });
      return {
        method: "kubernetes",
        role: auth.role,
        jwtFile: auth.jwtFile,
        mount: auth.mount ?? DEFAULT_KUBERNETES_MOUNT,
      };
    default:
      throw new SecretConfigError("Invalid auth method: use token, approle or kubernetes", {
        field: "auth.method",
        provider: PROVIDER,
      });
  }
}

/** `https://vault-1.internal:8200` (and the like) as origins; anything else is a configuration error. */
function redirectOrigins(list: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const [i, entry] of (list ?? []).entries()) {
    const problem = originProblem(entry);
    if (problem)
      throw new SecretConfigError(`Invalid redirectAllow entry ${i + 1}: ${problem}`, {
        field: "redirectAllow",
        provider: PROVIDER,
      });
    out.push(new URL(entry.trim()).origin);
  }
  return out;
}

/** No lone surrogates: the string survives UTF-8 (and so JSON on the wire) unchanged. */
function isWellFormed(value: string): boolean {
  const native = (value as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof native === "function") return native.call(value);
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
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
