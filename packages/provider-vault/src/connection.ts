/**
 * Connecting: keep-alive agents and the CA certificate, the node-vault client,
 * the transport and the authenticator, then the mount's KV version and the
 * layout that serves it. Connecting is bounded as a whole by `connectTimeoutMs`.
 */
import type { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import path from "node:path";
import { type Logger, ProviderNotConfiguredError, SecretConfigError } from "@org/secrets-core/provider";
import { VaultAuthenticator } from "./auth.js";
import type { VaultSettings } from "./config.js";
import type { ResolvedAuth } from "./config-auth.js";
import { requestPromise } from "./http.js";
import { KvV1Layout } from "./kv-v1.js";
import { KvV2PerSecretLayout } from "./kv-v2.js";
import { KvV2DocumentLayout } from "./kv-v2-document.js";
import type { Layout } from "./layout.js";
import { detectMount } from "./mount.js";
import { clientEndpoint, createNodeVaultClient } from "./node-vault.js";
import type { VaultClientLike } from "./options.js";
import { displayPath } from "./paths.js";
import { PROVIDER, type Send } from "./request.js";
import { MAX_CA_FILE_BYTES, readSettingFile } from "./setting-file.js";
import { VaultTransport } from "./transport.js";

export interface Connection {
  layout: Layout;
  auth: VaultAuthenticator;
  transport: VaultTransport;
  version: 1 | 2;
  mount: string[];
  prefix: string[];
  agents: { http?: HttpAgent; https?: HttpsAgent };
  /** When connecting asked Vault about the mount (so it was reachable and the token could use it); cleared by the first check. */
  probedAt: number | undefined;
}

export interface ConnectOptions {
  settings: VaultSettings;
  auth: ResolvedAuth;
  /** A client the user built; otherwise node-vault is loaded and given the provider's HTTP client. */
  client: VaultClientLike | undefined;
  logger: Logger;
  signal: AbortSignal | undefined;
}

/** Stop token renewal, abort requests in flight and close kept-alive connections. */
export function closeConnection(connection: Pick<Connection, "auth" | "transport" | "agents">): void {
  connection.auth.close();
  connection.transport.close();
  connection.agents.http?.destroy();
  connection.agents.https?.destroy();
}

export async function openConnection(options: ConnectOptions): Promise<Connection> {
  const { settings, logger, signal } = options;
  // Connecting (login, mount detection) is bounded as a whole, not just per request.
  const deadline =
    settings.connectTimeoutMs === undefined ? undefined : Date.now() + settings.connectTimeoutMs;
  const agents: Connection["agents"] = {};
  let client = options.client;
  if (!client) {
    const url = settings.url as string;
    const http = await import("node:http");
    agents.http = new http.Agent({ keepAlive: true });
    const ca = await readCaCert(settings);
    // Node's TLS (https, tls and crypto, some 5 ms to load) only when a request can need it:
    // an https address, or a redirect allowed to an https origin.
    if (url.startsWith("https:") || settings.redirectAllow.some((origin) => origin.startsWith("https:"))) {
      const https = await import("node:https");
      agents.https = new https.Agent({
        keepAlive: true,
        rejectUnauthorized: !settings.skipVerify,
        ...(ca === undefined ? {} : { ca }),
      });
    }
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
    logger,
    httpAgent: agents.http,
    httpsAgent: agents.https,
    credentials: () => auth?.credentials() ?? [],
  });
  auth = new VaultAuthenticator({
    auth: options.auth,
    transport,
    logger,
    renew: settings.renewToken,
    cwd: settings.cwd,
  });
  const send: Send = auth.send.bind(auth);
  const connectSend: Send = (request) =>
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
    // What the mount turned out to be can still rule the layout out.
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
    const layoutOptions = { send, mount, prefix, logger, concurrency: settings.concurrency };
    const layout: Layout =
      version === 1
        ? new KvV1Layout(layoutOptions)
        : settings.layout === "document"
          ? new KvV2DocumentLayout(layoutOptions)
          : new KvV2PerSecretLayout(layoutOptions);
    logger.debug("vault.connected", {
      url: transport.url,
      mount: displayPath(mount),
      kv_version: version,
      layout: settings.layout,
      auth_method: auth.method,
    });
    return { layout, auth, transport, version, mount, prefix, agents, probedAt };
  } catch (error) {
    closeConnection({ auth, transport, agents });
    throw error;
  }
}

async function readCaCert(settings: VaultSettings): Promise<string | Buffer | undefined> {
  const { caCert, caCertFile, cwd } = settings;
  if (caCert !== undefined) return caCert;
  if (caCertFile === undefined) return undefined;
  const file = path.resolve(cwd, caCertFile);
  const read = await readSettingFile(file, `the CA certificate file ${file}`, MAX_CA_FILE_BYTES);
  if (read.ok) return read.bytes;
  throw new SecretConfigError(`${read.reason[0]?.toUpperCase()}${read.reason.slice(1)}: check VAULT_CACERT`, {
    field: "VAULT_CACERT",
    provider: PROVIDER,
    ...(read.cause === undefined ? {} : { cause: read.cause }),
  });
}
