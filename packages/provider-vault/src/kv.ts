import { setMaxListeners } from "node:events";
import {
  AccessDeniedError,
  isValidSecretName,
  type Logger,
  mapConcurrent,
  NotSupportedError,
  ProviderError,
  type ReadOptions,
  SecretConflictError,
  SecretNotFoundError,
  type SecretRecord,
  SecretScheduledForDeletionError,
  type WriteOptions,
} from "@org/secrets-core/provider";
import { VALUE_FIELD } from "./options.js";
import { displayPath, splitPath } from "./paths.js";
import { PROVIDER, type VaultRequest, type VaultRequestError, type VaultResponse } from "./transport.js";

export type Send = (request: VaultRequest) => Promise<VaultResponse>;

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

/** The operations a layout offers; the provider checks names and capabilities before calling them. */
export interface SecretStore {
  get(name: string, options?: ReadOptions): Promise<SecretRecord | undefined>;
  set(name: string, value: string, options?: WriteOptions): Promise<{ version?: string }>;
  delete(name: string, permanent: boolean, signal?: AbortSignal): Promise<boolean>;
  list(signal?: AbortSignal): Promise<string[]>;
  getMany(names: readonly string[], options?: ReadOptions): Promise<Map<string, SecretRecord>>;
  restore(name: string, signal?: AbortSignal): Promise<void>;
}

export interface StoreOptions {
  send: Send;
  mount: string[];
  prefix: string[];
  logger: Logger;
  concurrency: number;
}

interface VersionInfo {
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

function parseDate(text: unknown): Date | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A backend's object as string fields, in a null-prototype object: any key (even `__proto__`) is data. */
export function stringMap(map: unknown): Record<string, string> | undefined {
  if (typeof map !== "object" || map === null || Array.isArray(map)) return undefined;
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(map)) if (typeof value === "string") out[key] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Keys asked for per page when listing with metadata. */
export const LIST_PAGE_SIZE = 250;

/** The server cannot list with metadata here (an older server, or a policy without that path). */
function isUnsupported(error: unknown): boolean {
  if (error instanceof NotSupportedError) return true;
  if (!(error instanceof ProviderError)) return false;
  const cause = error.cause as VaultRequestError | undefined;
  return (
    cause?.status === 405 ||
    (cause?.status === 404 && (cause.errors ?? []).some((e) => /no handler/i.test(e)))
  );
}

function isCasRequired(error: unknown): boolean {
  const cause = (error as { cause?: VaultRequestError } | undefined)?.cause;
  return (
    error instanceof ProviderError &&
    (cause?.errors ?? []).some((e) => /check-and-set parameter required/i.test(e))
  );
}

/** Names of entries in a LIST answer that can be secrets: not folders, valid names. */
function secretKeys(response: VaultResponse): string[] {
  if (response.status === 404) return [];
  const keys = response.body?.data?.keys;
  if (!Array.isArray(keys)) return [];
  return keys.filter((k): k is string => typeof k === "string" && !k.endsWith("/") && isValidSecretName(k));
}

/**
 * KV v2, one entry per secret at `<mount>/data/<prefix>/<NAME>` with the value in
 * the `value` field, so `bao kv get -mount=<mount> -field=value <prefix>/<NAME>`
 * shows it. Every version is kept by Vault; creation is check-and-set `cas: 0`.
 */
export class KvV2Store implements SecretStore {
  readonly #send: Send;
  readonly #mount: string[];
  readonly #prefix: string[];
  readonly #logger: Logger;
  readonly #concurrency: number;

  constructor(options: StoreOptions) {
    this.#send = options.send;
    this.#mount = options.mount;
    this.#prefix = options.prefix;
    this.#logger = options.logger;
    this.#concurrency = options.concurrency;
  }

  #api(
    kind: "data" | "metadata" | "detailed-metadata" | "delete" | "undelete" | "destroy",
    name?: string,
  ): string[] {
    return [...this.#mount, kind, ...this.#prefix, ...(name === undefined ? [] : [name])];
  }

  /** `<mount> <prefix>/<NAME>`, the way the `bao kv` commands name the entry. */
  #entry(name: string): string {
    return displayPath([...this.#prefix, name]);
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    const signal = options.signal;
    if (options.version === undefined) {
      const response = await this.#send({
        method: "GET",
        segments: this.#api("data", name),
        accept: [404],
        secret: name,
        signal,
      });
      if (response.status === 404) {
        const deleted = response.body?.data?.metadata?.deletion_time;
        if (deleted) this.#logger.debug("vault.secret.deleted", { name, deleted_at: String(deleted) });
        return undefined;
      }
      return this.#record(name, response.body?.data);
    }
    if (options.version === "previous") {
      const meta = await this.readMetadata(name, signal);
      const version = meta ? previousVersion(meta) : undefined;
      if (meta === undefined || version === undefined) return undefined;
      return this.#readVersion(name, version, parseDate(meta.created_time), signal);
    }
    return this.#readVersion(name, parseVersion(options.version, name), undefined, signal);
  }

  async #readVersion(
    name: string,
    version: number,
    createdAt: Date | undefined,
    signal: AbortSignal | undefined,
  ): Promise<SecretRecord | undefined> {
    const response = await this.#send({
      method: "GET",
      segments: this.#api("data", name),
      query: { version: String(version) },
      accept: [404],
      secret: name,
      signal,
    });
    if (response.status === 404) {
      const meta = response.body?.data?.metadata as VersionInfo | undefined;
      if (meta?.deletion_time && !meta.destroyed) {
        const when = parseDate(meta.deletion_time);
        throw new SecretScheduledForDeletionError(
          `Version ${version} of secret '${name}' was deleted${when ? ` at ${when.toISOString()}` : ""}; restore it with 'bao kv undelete -mount=${displayPath(this.#mount)} -versions=${version} ${this.#entry(name)}'`,
          { provider: PROVIDER, secret: name, deletionDate: when },
        );
      }
      return undefined;
    }
    return this.#record(name, response.body?.data, createdAt);
  }

  #record(name: string, data: unknown, createdAt?: Date): SecretRecord {
    const d = data as
      | {
          data?: Record<string, unknown> | null;
          metadata?: { created_time?: string; version?: number; custom_metadata?: unknown };
        }
      | undefined;
    const fields = d?.data ?? {};
    const value = ownField(fields, VALUE_FIELD);
    if (typeof value !== "string") {
      const names = Object.keys(fields);
      throw new ProviderError(
        `The Vault entry '${this.#entry(name)}' on mount '${displayPath(this.#mount)}' has no '${VALUE_FIELD}' field${names.length ? ` (its fields: ${names.slice(0, 10).join(", ")})` : ""}: store the secret with 'bao kv put -mount=${displayPath(this.#mount)} ${this.#entry(name)} ${VALUE_FIELD}=...'`,
        { provider: PROVIDER, secret: name },
      );
    }
    const version = d?.metadata?.version;
    const updatedAt = parseDate(d?.metadata?.created_time);
    const record: SecretRecord = { value };
    if (typeof version === "number") record.version = String(version);
    if (updatedAt) record.updatedAt = updatedAt;
    // One read answers when this version was written; that is also when the secret was created if it is version 1.
    const created = createdAt ?? (version === 1 ? updatedAt : undefined);
    if (created) record.createdAt = created;
    const metadata = stringMap(d?.metadata?.custom_metadata);
    if (metadata) record.metadata = metadata;
    return record;
  }

  async readMetadata(name: string, signal?: AbortSignal): Promise<KvMetadata | undefined> {
    const response = await this.#send({
      method: "GET",
      segments: this.#api("metadata", name),
      accept: [404],
      secret: name,
      signal,
    });
    if (response.status === 404) return undefined;
    const data = response.body?.data as KvMetadata | undefined;
    return data && typeof data.current_version === "number" ? data : undefined;
  }

  async #write(
    name: string,
    value: string,
    cas: number | undefined,
    signal?: AbortSignal,
  ): Promise<number | undefined> {
    const body: { data: Record<string, string>; options?: { cas: number } } = {
      data: { [VALUE_FIELD]: value },
    };
    if (cas !== undefined) body.options = { cas };
    const response = await this.#send({
      method: "POST",
      segments: this.#api("data", name),
      body,
      secret: name,
      signal,
    });
    const version = response.body?.data?.version;
    return typeof version === "number" ? version : undefined;
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<{ version?: string }> {
    const signal = options.signal;
    let cas: number | undefined;
    if (options.ifVersion !== undefined) {
      if (!/^[1-9]\d{0,9}$/.test(options.ifVersion))
        throw new SecretConflictError(undefined, { provider: PROVIDER, secret: name });
      cas = Number(options.ifVersion);
    } else if (options.ifAbsent) cas = 0;

    let version: number | undefined;
    try {
      version = await this.#write(name, value, cas, signal);
    } catch (error) {
      if (error instanceof SecretConflictError && options.ifAbsent && options.ifVersion === undefined) {
        // cas 0 fails when the key has any history; a secret whose current version
        // is deleted is absent all the same, and is created over that version.
        const meta = await this.readMetadata(name, signal);
        const current = meta?.current_version ?? 0;
        if (meta && isLiveVersion(meta.versions?.[String(current)]))
          throw new SecretConflictError(`Secret '${name}' already exists`, {
            provider: PROVIDER,
            secret: name,
            cause: error.cause,
          });
        version = await this.#write(name, value, current, signal);
      } else if (isCasRequired(error) && cas === undefined) {
        version = await this.#writeOverCurrent(name, value, signal);
      } else throw error;
    }
    if (options.metadata && Object.keys(options.metadata).length > 0) {
      await this.#send({
        method: "PATCH",
        segments: this.#api("metadata", name),
        body: { custom_metadata: { ...options.metadata } },
        secret: name,
        signal,
      });
    }
    return version === undefined ? {} : { version: String(version) };
  }

  /** A plain write on a mount or key that requires check-and-set: write over whatever version is current. */
  async #writeOverCurrent(name: string, value: string, signal?: AbortSignal): Promise<number | undefined> {
    for (let attempt = 0; ; attempt++) {
      const current = (await this.readMetadata(name, signal))?.current_version ?? 0;
      try {
        return await this.#write(name, value, current, signal);
      } catch (error) {
        if (!(error instanceof SecretConflictError) || attempt >= 4) throw error;
      }
    }
  }

  async delete(name: string, permanent: boolean, signal?: AbortSignal): Promise<boolean> {
    const meta = await this.readMetadata(name, signal);
    if (!meta) return false;
    if (permanent) {
      await this.#send({ method: "DELETE", segments: this.#api("metadata", name), secret: name, signal });
      return true;
    }
    const current = meta.current_version;
    if (!isLiveVersion(meta.versions?.[String(current)])) return false;
    // Delete exactly the version we saw: one written meanwhile stays readable.
    await this.#send({
      method: "POST",
      segments: this.#api("delete", name),
      body: { versions: [current] },
      secret: name,
      signal,
    });
    return true;
  }

  async restore(name: string, signal?: AbortSignal): Promise<void> {
    const meta = await this.readMetadata(name, signal);
    if (!meta)
      throw new SecretNotFoundError(`Secret '${name}' has no versions in Vault to restore`, {
        secret: name,
        provider: PROVIDER,
      });
    const current = meta.current_version;
    const info = meta.versions?.[String(current)];
    if (isLiveVersion(info)) return;
    if (info?.destroyed)
      throw new ProviderError(`Version ${current} of secret '${name}' was destroyed and cannot be restored`, {
        provider: PROVIDER,
        secret: name,
      });
    await this.#send({
      method: "POST",
      segments: this.#api("undelete", name),
      body: { versions: [current] },
      secret: name,
      signal,
    });
  }

  /**
   * Names under the prefix whose current version is readable (soft-deleted
   * secrets are left out). Where the server lists metadata with each key
   * (OpenBao's `detailed-metadata`), that is one request per page of
   * `LIST_PAGE_SIZE` keys; elsewhere (or when the token may not list it) one
   * `LIST` plus one metadata read per name, with bounded concurrency.
   */
  async list(signal?: AbortSignal): Promise<string[]> {
    if (this.#detailedList !== false) {
      try {
        const names = await this.#listDetailed(signal);
        this.#detailedList = true;
        return names;
      } catch (error) {
        if (this.#detailedList === true || !isUnsupported(error)) throw error;
        this.#detailedList = false;
        this.#logger.debug("vault.list.detailed_unavailable", { mount: displayPath(this.#mount) });
      }
    }
    const response = await this.#send({
      method: "LIST",
      segments: this.#api("metadata"),
      accept: [404],
      signal,
    });
    const keys = secretKeys(response);
    const live = await mapConcurrent(keys, this.#concurrency, async (key) => {
      signal?.throwIfAborted();
      const meta = await this.readMetadata(key, signal);
      return meta !== undefined && isLiveVersion(meta.versions?.[String(meta.current_version)]);
    });
    return keys.filter((_, i) => live[i]).sort();
  }

  /** `undefined` until the first list tells whether the server lists metadata with its keys. */
  #detailedList: boolean | undefined;

  async #listDetailed(signal?: AbortSignal): Promise<string[]> {
    const names: string[] = [];
    let after: string | undefined;
    for (;;) {
      const query: Record<string, string> = { limit: String(LIST_PAGE_SIZE) };
      if (after !== undefined) query.after = after;
      const response = await this.#send({
        method: "LIST",
        segments: this.#api("detailed-metadata"),
        query,
        // 403: a policy that grants `list` on metadata/ only; the plain list is tried instead.
        accept: this.#detailedList === true ? [404] : [404, 403, 405],
        signal,
      });
      if (response.status === 403 || response.status === 405)
        throw new NotSupportedError(undefined, { provider: PROVIDER, feature: "listing with metadata" });
      if (response.status === 404) break;
      const data = response.body?.data as { keys?: unknown; key_info?: unknown } | undefined;
      const keys = Array.isArray(data?.keys) ? data.keys : [];
      const info = typeof data?.key_info === "object" && data.key_info !== null ? data.key_info : undefined;
      if (info === undefined && keys.length > 0)
        throw new NotSupportedError(undefined, { provider: PROVIDER, feature: "listing with metadata" });
      for (const key of keys) {
        if (typeof key !== "string" || key.endsWith("/") || !isValidSecretName(key)) continue;
        const meta = ownField(info as object, key) as KvMetadata | undefined;
        if (
          meta &&
          typeof meta.current_version === "number" &&
          isLiveVersion(meta.versions?.[String(meta.current_version)])
        )
          names.push(key);
      }
      const last = keys[keys.length - 1];
      // A full page may have a next one. A server that ignores `limit` or `after`
      // (more keys than asked, or no progress) has answered everything at once.
      if (
        keys.length !== LIST_PAGE_SIZE ||
        typeof last !== "string" ||
        (after !== undefined && last <= after)
      )
        break;
      after = last;
    }
    return [...new Set(names)].sort();
  }

  getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    return readEach(names, this.#concurrency, options.signal, (name, signal) =>
      this.get(name, { ...options, signal }),
    );
  }
}

/**
 * KV v1, one entry per secret at `<mount>/<prefix>/<NAME>` with the value in the
 * `value` field. No versions, no check-and-set, no metadata: writes replace.
 */
export class KvV1Store implements SecretStore {
  readonly #send: Send;
  readonly #mount: string[];
  readonly #prefix: string[];
  readonly #concurrency: number;

  constructor(options: StoreOptions) {
    this.#send = options.send;
    this.#mount = options.mount;
    this.#prefix = options.prefix;
    this.#concurrency = options.concurrency;
  }

  #path(name?: string): string[] {
    return [...this.#mount, ...this.#prefix, ...(name === undefined ? [] : [name])];
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    if (options.version !== undefined)
      throw new NotSupportedError(undefined, {
        provider: PROVIDER,
        feature: "reading earlier versions on a KV v1 mount",
      });
    const response = await this.#send({
      method: "GET",
      segments: this.#path(name),
      accept: [404],
      secret: name,
      signal: options.signal,
    });
    if (response.status === 404) return undefined;
    const fields = (response.body?.data ?? {}) as Record<string, unknown>;
    const value = ownField(fields, VALUE_FIELD);
    if (typeof value !== "string")
      throw new ProviderError(
        `The Vault entry '${displayPath(this.#path(name))}' has no '${VALUE_FIELD}' field: store the secret with 'bao kv put ${displayPath(this.#path(name))} ${VALUE_FIELD}=...'`,
        { provider: PROVIDER, secret: name },
      );
    return { value };
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<{ version?: string }> {
    if (options.ifVersion !== undefined)
      throw new NotSupportedError(undefined, {
        provider: PROVIDER,
        feature: "check-and-set writes (ifVersion) on a KV v1 mount",
      });
    // KV v1 has no atomic create: look first, as core does for providers without check-and-set.
    if (options.ifAbsent && (await this.get(name, { signal: options.signal })) !== undefined)
      throw new SecretConflictError(`Secret '${name}' already exists`, { provider: PROVIDER, secret: name });
    await this.#send({
      method: "POST",
      segments: this.#path(name),
      body: { [VALUE_FIELD]: value },
      secret: name,
      signal: options.signal,
    });
    return {};
  }

  async delete(name: string, _permanent: boolean, signal?: AbortSignal): Promise<boolean> {
    const existing = await this.#send({
      method: "GET",
      segments: this.#path(name),
      accept: [404],
      secret: name,
      signal,
    });
    if (existing.status === 404) return false;
    await this.#send({ method: "DELETE", segments: this.#path(name), secret: name, signal });
    return true;
  }

  async restore(): Promise<void> {
    throw new NotSupportedError(undefined, {
      provider: PROVIDER,
      feature: "restoring deleted secrets on a KV v1 mount (it keeps no deleted data)",
    });
  }

  async list(signal?: AbortSignal): Promise<string[]> {
    const response = await this.#send({ method: "LIST", segments: this.#path(), accept: [404], signal });
    return secretKeys(response).sort();
  }

  getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    return readEach(names, this.#concurrency, options.signal, (name, signal) =>
      this.get(name, { ...options, signal }),
    );
  }
}

/** A field the object holds itself, never one inherited from `Object.prototype`. */
export function ownField(fields: object, key: string): unknown {
  return Object.hasOwn(fields, key) ? (fields as Record<string, unknown>)[key] : undefined;
}

/**
 * One read per name, at most `concurrency` in flight; missing names are left
 * out. The first failure stops further reads from starting and aborts the
 * ones in flight (their answers would be thrown away); so does `signal`.
 */
async function readEach(
  names: readonly string[],
  concurrency: number,
  signal: AbortSignal | undefined,
  get: (name: string, signal: AbortSignal) => Promise<SecretRecord | undefined>,
): Promise<Map<string, SecretRecord>> {
  const unique = [...new Set(names)];
  const records = new Array<SecretRecord | undefined>(unique.length);
  // One listener on the caller's signal; the reads in flight listen to this one.
  const batch = new AbortController();
  setMaxListeners(0, batch.signal);
  const onAbort = () => batch.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      batch.signal.throwIfAborted();
      const index = next++;
      try {
        records[index] = await get(unique[index] as string, batch.signal);
      } catch (error) {
        if (!batch.signal.aborted) batch.abort(error);
        throw error;
      }
    }
  };
  try {
    const workers = Math.max(1, Math.min(concurrency, unique.length));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  const out = new Map<string, SecretRecord>();
  unique.forEach((name, i) => {
    const record = records[i];
    if (record) out.set(name, record);
  });
  return out;
}
