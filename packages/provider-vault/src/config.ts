/**
 * Configuration, validated once where it enters: `parseVaultConfig` reads the
 * `VAULT_*` variables into options, naming the variable to fix;
 * `resolveVaultOptions` checks the options of a provider (built in code or from
 * those variables) and turns them into the settings the provider trusts as they are.
 * Authentication's part of both is in config-auth.ts.
 */
import {
  type Env,
  MAX_TIMEOUT_MS,
  type ParsedConfig,
  ProviderNotConfiguredError,
  SecretConfigError,
} from "@org/secrets-core/provider";
import { parseAuth, type ResolvedAuth, resolveAuth } from "./config-auth.js";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MOUNT,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  type VaultLayout,
  type VaultProviderOptions,
} from "./options.js";
import { addressProblem, originProblem, splitPath } from "./paths.js";
import { PROVIDER } from "./request.js";

/** Who can read what when Vault's certificate is not verified: the log at start-up and `check()` say the same. */
export const UNVERIFIED_TLS_RISK = "anyone on the network path can read the token and every secret value";

export interface ParsedVaultConfig extends ParsedConfig<VaultProviderOptions> {
  /** Settings that are required and absent, by variable name; `createProvider` reports them as not configured. */
  missing: string[];
}

/**
 * Read the provider's settings from the environment, once. Credentials end up
 * wrapped in `Sensitive`, so the returned config can be printed without showing
 * them. Every problem names the variable to fix.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `VAULT_URL` (`VAULT_ADDR`, `BAO_ADDR`) | address |
 * | `VAULT_TOKEN` (`BAO_TOKEN`), `VAULT_TOKEN_FILE` | token auth |
 * | `VAULT_AUTH_METHOD` | `token`, `approle` or `kubernetes` |
 * | `VAULT_ROLE_ID[_FILE]`, `VAULT_SECRET_ID[_FILE]`, `VAULT_APPROLE_MOUNT` | AppRole |
 * | `VAULT_K8S_ROLE`, `VAULT_K8S_JWT_FILE`, `VAULT_K8S_MOUNT` | Kubernetes |
 * | `VAULT_MOUNT_POINT`, `VAULT_PATH_PREFIX`, `VAULT_LAYOUT`, `VAULT_KV_VERSION` | where secrets live |
 * | `VAULT_NAMESPACE`, `VAULT_CACERT`, `VAULT_SKIP_VERIFY` | namespace and TLS |
 * | `VAULT_CLIENT_TIMEOUT` (`VAULT_TIMEOUT`), `VAULT_MAX_RETRIES` | requests |
 * | `VAULT_REDIRECT_ALLOW` | origins redirects may lead to |
 */
export function parseVaultConfig(env: Env = process.env): ParsedVaultConfig {
  const warnings: string[] = [];
  const errors: SecretConfigError[] = [];
  const missing: string[] = [];
  const config: VaultProviderOptions = {};
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const invalid = (field: string, message: string) =>
    errors.push(new SecretConfigError(message, { field, provider: PROVIDER }));

  const urlVar = ["VAULT_URL", "VAULT_ADDR", "BAO_ADDR"].find((name) => get(name) !== undefined);
  if (urlVar) {
    const url = get(urlVar) as string;
    const problem = addressProblem(url);
    if (problem === undefined) config.url = url;
    else
      invalid(urlVar, `Invalid ${urlVar}: ${problem}; use an address such as https://vault.example.com:8200`);
  } else {
    missing.push("VAULT_URL");
    errors.push(
      new SecretConfigError(
        "VAULT_URL is not set: set it (or VAULT_ADDR) to the Vault address, for example https://vault.example.com:8200",
        { field: "VAULT_URL", provider: PROVIDER },
      ),
    );
  }

  const auth = parseAuth(get, invalid, missing, errors);
  if (auth) config.auth = auth;

  const mount = get("VAULT_MOUNT_POINT");
  if (mount) {
    if (checkPath(mount)) config.mount = mount;
    else invalid("VAULT_MOUNT_POINT", "Invalid VAULT_MOUNT_POINT: '.' and '..' segments are not allowed");
  }
  const prefix = get("VAULT_PATH_PREFIX");
  if (prefix) {
    if (checkPath(prefix)) config.prefix = prefix;
    else invalid("VAULT_PATH_PREFIX", "Invalid VAULT_PATH_PREFIX: '.' and '..' segments are not allowed");
  }

  const layout = get("VAULT_LAYOUT")?.toLowerCase();
  if (layout) {
    if (layout === "per-secret" || layout === "document") config.layout = layout as VaultLayout;
    else invalid("VAULT_LAYOUT", "Invalid VAULT_LAYOUT: use per-secret or document");
  }
  if (config.layout === "document" && !config.prefix) {
    missing.push("VAULT_PATH_PREFIX");
    errors.push(
      new SecretConfigError(
        "VAULT_PATH_PREFIX is not set: the document layout keeps every secret in the entry it names, for example myapp",
        { field: "VAULT_PATH_PREFIX", provider: PROVIDER },
      ),
    );
  }

  const kvVersion = get("VAULT_KV_VERSION");
  if (kvVersion) {
    if (kvVersion === "1" || kvVersion === "2") config.kvVersion = kvVersion === "1" ? 1 : 2;
    else invalid("VAULT_KV_VERSION", "Invalid VAULT_KV_VERSION: use 1 or 2");
  }

  const namespace = get("VAULT_NAMESPACE");
  if (namespace) config.namespace = namespace;

  const caCert = get("VAULT_CACERT");
  if (caCert) config.caCertFile = caCert;

  const skip = get("VAULT_SKIP_VERIFY");
  if (skip !== undefined) {
    const lower = skip.toLowerCase();
    if (lower === "1" || lower === "true") {
      config.skipVerify = true;
      warnings.push(
        `VAULT_SKIP_VERIFY is set: Vault's TLS certificate is not verified, so ${UNVERIFIED_TLS_RISK}; use VAULT_CACERT outside development`,
      );
    } else if (lower !== "0" && lower !== "false") {
      warnings.push("VAULT_SKIP_VERIFY is set to something other than 1 or true: TLS verification stays on");
    }
  }

  const timeoutVar = ["VAULT_CLIENT_TIMEOUT", "VAULT_TIMEOUT"].find((name) => get(name) !== undefined);
  if (timeoutVar) {
    const ms = parseDuration(get(timeoutVar) as string);
    // A timer holds at most about 24.8 days (core's SECRET_TIMEOUT is shortened the same way).
    if (ms !== undefined && ms > 0) config.timeoutMs = Math.min(MAX_TIMEOUT_MS, ms);
    else invalid(timeoutVar, `Invalid ${timeoutVar}: use seconds (30) or a duration (30s, 1500ms, 1m)`);
  }

  const retries = get("VAULT_MAX_RETRIES");
  if (retries) {
    if (/^\d{1,2}$/.test(retries)) config.maxRetries = Number(retries);
    else invalid("VAULT_MAX_RETRIES", "Invalid VAULT_MAX_RETRIES: use a whole number from 0 to 99");
  }

  const redirect = get("VAULT_REDIRECT_ALLOW");
  if (redirect) {
    const entries = redirect
      .split(",")
      .map((e) => e.trim())
      .filter((e) => e.length > 0);
    const bad = entries.map((e, i) => [i + 1, originProblem(e)] as const).find(([, problem]) => problem);
    if (bad)
      invalid(
        "VAULT_REDIRECT_ALLOW",
        `Invalid VAULT_REDIRECT_ALLOW entry ${bad[0]}: ${bad[1]}; list origins separated by commas, such as https://vault-1.internal:8200,https://vault-2.internal:8200`,
      );
    else config.redirectAllow = entries;
  }

  return { config, warnings, errors, missing };
}

/** The rule `splitPath` applies: no `.` or `..` segments. */
function checkPath(path: string): boolean {
  try {
    splitPath(path, "path");
    return true;
  } catch {
    return false;
  }
}

/** `30` (seconds), `30s`, `1500ms`, `1m`, `1m30s` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = trimmed;
  const part = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;
  if (!part.test(rest)) return undefined;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * (units[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

/** Settings without credentials: safe to keep around and to show. */
export interface VaultSettings {
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

/**
 * The options checked and completed with defaults: what the provider runs on,
 * without checking anything again. Throws the first problem, naming the option.
 */
export function resolveVaultOptions(options: VaultProviderOptions): {
  settings: VaultSettings;
  auth: ResolvedAuth;
} {
  return { settings: resolveSettings(options), auth: resolveAuth(options) };
}

function resolveSettings(options: VaultProviderOptions): VaultSettings {
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
    // Durations and counts alike: no timer holds more than about 24.8 days.
    return Math.min(MAX_TIMEOUT_MS, value);
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
