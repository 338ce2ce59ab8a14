/**
 * Authentication settings, validated where they enter: from `VAULT_*`
 * variables (`parseAuth`) and from the options of a provider built in code
 * (`resolveAuth`). Credentials leave here as plain strings only in `ResolvedAuth`,
 * which the authenticator alone holds.
 */
import { ProviderNotConfiguredError, SecretConfigError } from "@org/secrets-core/provider";
import {
  DEFAULT_APPROLE_MOUNT,
  DEFAULT_KUBERNETES_MOUNT,
  type VaultAuthOptions,
  type VaultProviderOptions,
} from "./options.js";
import { PROVIDER } from "./request.js";
import { reveal, Sensitive } from "./sensitive.js";

/** Authentication after the options are resolved; credentials are plain strings held only here. */
export type ResolvedAuth =
  | { method: "token"; token: string | undefined; tokenFile: string | undefined }
  | {
      method: "approle";
      roleId: string | undefined;
      roleIdFile: string | undefined;
      secretId: string | undefined;
      secretIdFile: string | undefined;
      mount: string;
    }
  | { method: "kubernetes"; role: string; jwtFile: string | undefined; mount: string }
  /** A client the user built carries its own token. */
  | { method: "client" };

export type Getter = (name: string) => string | undefined;

/** The auth method the variables select and its settings; problems go to `invalid` or, when required and absent, to `missing`. */
export function parseAuth(
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

/** The options' authentication, checked and with credentials revealed. */
export function resolveAuth(options: VaultProviderOptions): ResolvedAuth {
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
