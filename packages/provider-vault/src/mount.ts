/**
 * Mount detection: which KV version the configured mount is, and where the
 * mount ends and the path inside it begins (`kv/team1` → mount `kv`, rest `team1`).
 */
import { AccessDeniedError, ProviderError } from "@org/secrets-core/provider";
import { displayPath, splitPath } from "./paths.js";
import { PROVIDER, type Send, type VaultRequestError, type VaultResponse } from "./request.js";

/** What `sys/internal/ui/mounts/<path>` told us about the configured mount. */
export interface MountInfo {
  /** The mount itself, e.g. `["secret"]`. */
  mount: string[];
  /** What was configured beyond the mount (`kv/team1` → `["team1"]`), to be put before the prefix. */
  rest: string[];
  version: 1 | 2;
}

/** Ask Vault which KV version the mount holding `segments` is, and where that mount starts. */
export async function detectMount(send: Send, segments: readonly string[]): Promise<MountInfo> {
  let response: VaultResponse;
  try {
    response = await send({ method: "GET", segments: ["sys", "internal", "ui", "mounts", ...segments] });
  } catch (error) {
    if (error instanceof AccessDeniedError)
      throw new AccessDeniedError(
        `Vault has no mount at '${displayPath(segments)}/' that this token may use (${(error.cause as VaultRequestError | undefined)?.errors?.join("; ") || "permission denied"}): check VAULT_MOUNT_POINT and the token's policies, or set VAULT_KV_VERSION to skip detecting the KV version`,
        { provider: PROVIDER, cause: error.cause },
      );
    throw error;
  }
  const data = response.body?.data as {
    path?: unknown;
    type?: unknown;
    options?: { version?: unknown } | null;
  };
  const type = typeof data?.type === "string" ? data.type : "unknown";
  if (type !== "kv" && type !== "generic")
    throw new ProviderError(
      `The mount '${displayPath(segments)}/' is a '${type}' secrets engine, not KV: set VAULT_MOUNT_POINT to a KV mount`,
      { provider: PROVIDER },
    );
  const mount = typeof data.path === "string" ? splitPath(data.path, "mount path") : [...segments];
  const version = String(data.options?.version ?? "1") === "2" ? 2 : 1;
  return { mount, rest: segments.slice(mount.length), version };
}
