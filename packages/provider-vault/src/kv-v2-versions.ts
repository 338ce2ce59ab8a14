/**
 * KV v2 versions: the metadata Vault keeps per entry, which versions are
 * readable, and the version numbers callers may ask for.
 */
import { ProviderError } from "@org/secrets-core/provider";
import { displayPath } from "./paths.js";
import { PROVIDER } from "./request.js";

export interface VersionInfo {
  created_time?: string;
  deletion_time?: string;
  destroyed?: boolean;
}

export interface KvMetadata {
  current_version: number;
  created_time?: string;
  updated_time?: string;
  custom_metadata?: Record<string, unknown> | null;
  versions?: Record<string, VersionInfo>;
}

/**
 * The version a KV v2 write made, from its answer. KV v2 answers every write
 * with it; without one, what answered is not a KV v2 mount (a KV v1 mount takes
 * a write under 'data/' and answers 204), and the value is not known to be
 * stored: that is an error, never a success.
 */
export function writtenVersion(body: unknown, what: string, mount: readonly string[]): number {
  const version = (body as { data?: { version?: unknown } } | undefined)?.data?.version;
  if (typeof version === "number" && Number.isSafeInteger(version) && version >= 1) return version;
  throw new ProviderError(
    `Vault's answer to the write of ${what} has no version, so it is not known to be stored: check that the mount '${displayPath(mount)}/' is KV version 2 (VAULT_KV_VERSION) and that VAULT_URL points at Vault itself`,
    { provider: PROVIDER },
  );
}

/** A version that can be read: neither soft-deleted nor destroyed. */
export function isLiveVersion(info: VersionInfo | undefined): boolean {
  return info !== undefined && !info.destroyed && !info.deletion_time;
}

/** The newest readable version older than the current one. */
export function previousVersion(meta: KvMetadata): number | undefined {
  const versions = Object.entries(meta.versions ?? {})
    .map(([v, info]) => ({ v: Number(v), info }))
    .filter(({ v, info }) => Number.isInteger(v) && v < meta.current_version && isLiveVersion(info))
    .sort((a, b) => b.v - a.v);
  return versions[0]?.v;
}

/** `"3"` → 3; anything else is refused with a message that names the secret. */
export function parseVersion(version: string, name: string): number {
  if (!/^[1-9]\d{0,9}$/.test(version.trim()))
    throw new ProviderError(
      `Invalid version '${version.slice(0, 32)}' for secret '${name}': use a version number (1, 2, …) or 'previous'`,
      { provider: PROVIDER, secret: name },
    );
  return Number(version.trim());
}

export function parseDate(text: unknown): Date | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
