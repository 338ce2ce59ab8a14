/**
 * The provider's public options and their defaults: what a provider built in
 * code is given (config.ts checks them), and the auth and layout choices.
 */
import type { Logger } from "@org/secrets-core/provider";
import type { Sensitive } from "./sensitive.js";

/** `per-secret`: one KV entry per secret (default). `document`: every secret is a field of one entry. */
export type VaultLayout = "per-secret" | "document";

export type VaultAuthMethod = "token" | "approle" | "kubernetes";

/** A token given directly or read from a file (such as a Vault Agent sink), re-read when Vault rejects it. */
export interface VaultTokenAuth {
  method: "token";
  token?: string | Sensitive | undefined;
  /** A file holding the token; relative paths are resolved against `cwd`. */
  tokenFile?: string | undefined;
}

/** AppRole login: role id and secret id, each given directly or read from a file at every login. */
export interface VaultAppRoleAuth {
  method: "approle";
  roleId?: string | Sensitive | undefined;
  roleIdFile?: string | undefined;
  secretId?: string | Sensitive | undefined;
  secretIdFile?: string | undefined;
  /** Where the AppRole auth method is mounted (default `approle`). */
  mount?: string | undefined;
}

/** Kubernetes login with the pod's service-account JWT, read from its file at every login. */
export interface VaultKubernetesAuth {
  method: "kubernetes";
  role: string;
  /** Default `/var/run/secrets/kubernetes.io/serviceaccount/token`. */
  jwtFile?: string | undefined;
  /** Where the Kubernetes auth method is mounted (default `kubernetes`). */
  mount?: string | undefined;
}

export type VaultAuthOptions = VaultTokenAuth | VaultAppRoleAuth | VaultKubernetesAuth;

/**
 * The part of a node-vault client the provider uses. Any `node-vault` client
 * (0.12) fits; the provider sends every request through `request()` with
 * paths it has URL-encoded itself.
 */
export interface VaultClientLike {
  request(options: { path: string; method: string; [option: string]: unknown }): Promise<unknown>;
}

export interface VaultProviderOptions {
  /** Vault address, e.g. `https://vault.example.com:8200`. Required unless `client` is given. */
  url?: string | undefined;
  /** Shorthand for `auth: { method: "token", token }`. */
  token?: string | Sensitive | undefined;
  auth?: VaultAuthOptions | undefined;
  /** KV mount (default `secret`). May name a path inside a mount, such as `kv/team1`. */
  mount?: string | undefined;
  /** Path under the mount for this application's secrets (default: the mount's root). In the document layout, the entry that holds them. */
  prefix?: string | undefined;
  layout?: VaultLayout | undefined;
  /** Skip detecting the mount's KV version (needs read on `sys/internal/ui/mounts/<mount>`). */
  kvVersion?: 1 | 2 | undefined;
  /** Vault Enterprise / OpenBao namespace. */
  namespace?: string | undefined;
  /** PEM text of the CA certificate(s) that signed Vault's certificate. */
  caCert?: string | Buffer | undefined;
  /** A PEM file with the CA certificate(s); relative paths are resolved against `cwd`. */
  caCertFile?: string | undefined;
  /** Do not verify Vault's TLS certificate. Development only. */
  skipVerify?: boolean | undefined;
  /** Per-request timeout in milliseconds (default 10 000). */
  timeoutMs?: number | undefined;
  /**
   * Longest time connecting (login and mount detection, together) may take, in milliseconds
   * (default: no overall bound, each request bounded by `timeoutMs`). `createProvider` sets it
   * to the deadline core gives every call (`SECRET_TIMEOUT`).
   */
  connectTimeoutMs?: number | undefined;
  /**
   * Origins besides `url` that Vault may redirect requests to, with the token and the body,
   * such as the nodes of an HA cluster: `["https://vault-1.internal:8200"]`. Redirects to
   * any other origin are refused. Not used with `client` (a client you built follows its own rules).
   */
  redirectAllow?: readonly string[] | undefined;
  /** Retries after a 5xx, 429 or network error (default 2). */
  maxRetries?: number | undefined;
  /** Base of the exponential backoff in milliseconds (default 100; jittered, capped at 2 s). */
  retryDelayMs?: number | undefined;
  /** Most requests in flight for bulk work such as `getMany` and `list` (default 16). */
  concurrency?: number | undefined;
  /** Renew renewable tokens before they expire (default `true`). */
  renewToken?: boolean | undefined;
  /** A node-vault client you built; the provider then uses its address, TLS and token settings. */
  client?: VaultClientLike | undefined;
  logger?: Logger | undefined;
  /** Directory that relative file paths are resolved against (default `process.cwd()`). */
  cwd?: string | undefined;
}

export const DEFAULT_MOUNT = "secret";
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_RETRY_DELAY_MS = 100;
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_APPROLE_MOUNT = "approle";
export const DEFAULT_KUBERNETES_MOUNT = "kubernetes";
export const DEFAULT_KUBERNETES_JWT_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/** The field of a per-secret entry that holds the value: `bao kv get -field=value`. */
export const VALUE_FIELD = "value";
