import { type Env, type ParsedConfig, SecretConfigError } from "@org/secrets-core/provider";
import type { VaultAuthOptions, VaultLayout, VaultProviderOptions } from "./options.js";
import { addressProblem, originProblem } from "./paths.js";
import { Sensitive } from "./sensitive.js";
import { PROVIDER } from "./transport.js";

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
        "VAULT_SKIP_VERIFY is set: Vault's TLS certificate is not verified, so anyone on the network path can read secrets and tokens; use VAULT_CACERT outside development",
      );
    } else if (lower !== "0" && lower !== "false") {
      warnings.push("VAULT_SKIP_VERIFY is set to something other than 1 or true: TLS verification stays on");
    }
  }

  const timeoutVar = ["VAULT_CLIENT_TIMEOUT", "VAULT_TIMEOUT"].find((name) => get(name) !== undefined);
  if (timeoutVar) {
    const ms = parseDuration(get(timeoutVar) as string);
    if (ms !== undefined && ms > 0) config.timeoutMs = ms;
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

type Getter = (name: string) => string | undefined;

function parseAuth(
  get: Getter,
  invalid: (field: string, message: string) => void,
  missing: string[],
  errors: SecretConfigError[],
): VaultAuthOptions | undefined {
  const need = (field: string, message: string) => {
    missing.push(field);
    errors.push(new SecretConfigError(message, { field, provider: PROVIDER }));
  };
  const token = get("VAULT_TOKEN") ?? get("BAO_TOKEN");
  const tokenFile = get("VAULT_TOKEN_FILE");
  const roleId = get("VAULT_ROLE_ID");
  const roleIdFile = get("VAULT_ROLE_ID_FILE");
  const k8sRole = get("VAULT_K8S_ROLE");

  const rawMethod = get("VAULT_AUTH_METHOD")?.toLowerCase();
  let method: VaultAuthOptions["method"] | undefined;
  if (rawMethod) {
    if (rawMethod === "token" || rawMethod === "approle") method = rawMethod;
    else if (rawMethod === "kubernetes" || rawMethod === "k8s") method = "kubernetes";
    else {
      invalid("VAULT_AUTH_METHOD", "Invalid VAULT_AUTH_METHOD: use token, approle or kubernetes");
      return undefined;
    }
  } else if (token || tokenFile) method = "token";
  else if (roleId || roleIdFile) method = "approle";
  else if (k8sRole) method = "kubernetes";

  switch (method) {
    case undefined:
      need(
        "VAULT_TOKEN",
        "no Vault credentials: set VAULT_TOKEN (or VAULT_TOKEN_FILE), or VAULT_AUTH_METHOD=approle with VAULT_ROLE_ID and VAULT_SECRET_ID, or VAULT_AUTH_METHOD=kubernetes with VAULT_K8S_ROLE",
      );
      return undefined;
    case "token":
      if (!token && !tokenFile) {
        need(
          "VAULT_TOKEN",
          "VAULT_TOKEN is not set: VAULT_AUTH_METHOD=token needs VAULT_TOKEN or VAULT_TOKEN_FILE",
        );
        return undefined;
      }
      return token ? { method, token: new Sensitive(token) } : { method, tokenFile };
    case "approle": {
      if (!roleId && !roleIdFile) {
        need(
          "VAULT_ROLE_ID",
          "VAULT_ROLE_ID is not set: AppRole login needs VAULT_ROLE_ID (or VAULT_ROLE_ID_FILE)",
        );
        return undefined;
      }
      const secretId = get("VAULT_SECRET_ID");
      const secretIdFile = get("VAULT_SECRET_ID_FILE");
      const auth: VaultAuthOptions = { method: "approle" };
      if (roleId) auth.roleId = new Sensitive(roleId);
      else auth.roleIdFile = roleIdFile;
      if (secretId) auth.secretId = new Sensitive(secretId);
      else if (secretIdFile) auth.secretIdFile = secretIdFile;
      const mount = get("VAULT_APPROLE_MOUNT");
      if (mount) auth.mount = mount;
      return auth;
    }
    case "kubernetes": {
      if (!k8sRole) {
        need(
          "VAULT_K8S_ROLE",
          "VAULT_K8S_ROLE is not set: Kubernetes login needs the Vault role bound to this service account",
        );
        return undefined;
      }
      const auth: VaultAuthOptions = { method: "kubernetes", role: k8sRole };
      const jwtFile = get("VAULT_K8S_JWT_FILE");
      if (jwtFile) auth.jwtFile = jwtFile;
      const mount = get("VAULT_K8S_MOUNT");
      if (mount) auth.mount = mount;
      return auth;
    }
  }
}

function checkPath(path: string): boolean {
  return !path.split("/").some((s) => s.trim() === "." || s.trim() === "..");
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
