/**
 * The per-secret layout on KV v2: reads (current, numbered and previous
 * versions), check-and-set writes and creation, soft and permanent deletion,
 * restore; listing is in kv-v2-list.ts.
 */
import {
  type Logger,
  ProviderError,
  type ReadOptions,
  SecretConflictError,
  SecretNotFoundError,
  type SecretRecord,
  SecretScheduledForDeletionError,
  type WriteOptions,
} from "@org/secrets-core/provider";
import { KvV2Listing } from "./kv-v2-list.js";
import {
  isLiveVersion,
  type KvMetadata,
  parseDate,
  parseVersion,
  previousVersion,
  type VersionInfo,
  writtenVersion,
} from "./kv-v2-versions.js";
import { type Layout, type LayoutOptions, ownField, readEach, stringMap } from "./layout.js";
import { VALUE_FIELD } from "./options.js";
import { displayPath } from "./paths.js";
import { PROVIDER, type Send, type VaultRequestError } from "./request.js";

/** Vault refused a plain write because the mount or key requires check-and-set. */
function isCasRequired(error: unknown): boolean {
  const cause = (error as { cause?: VaultRequestError } | undefined)?.cause;
  return (
    error instanceof ProviderError &&
    (cause?.errors ?? []).some((e) => /check-and-set parameter required/i.test(e))
  );
}

/**
 * KV v2, one entry per secret at `<mount>/data/<prefix>/<NAME>` with the value in
 * the `value` field, so `bao kv get -mount=<mount> -field=value <prefix>/<NAME>`
 * shows it. Every version is kept by Vault; creation is check-and-set `cas: 0`.
 */
export class KvV2PerSecretLayout implements Layout {
  readonly #send: Send;
  readonly #mount: string[];
  readonly #prefix: string[];
  readonly #logger: Logger;
  readonly #concurrency: number;
  readonly #listing: KvV2Listing;

  constructor(options: LayoutOptions) {
    this.#send = options.send;
    this.#mount = options.mount;
    this.#prefix = options.prefix;
    this.#logger = options.logger;
    this.#concurrency = options.concurrency;
    this.#listing = new KvV2Listing(options, (name, signal) => this.readMetadata(name, signal));
  }

  #api(kind: "data" | "metadata" | "delete" | "undelete", name?: string): string[] {
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
        // Only as a date: no text of the answer goes into a log line.
        const deleted = parseDate(response.body?.data?.metadata?.deletion_time);
        if (deleted) this.#logger.debug("vault.secret.deleted", { name, deleted_at: deleted.toISOString() });
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
    if (typeof value !== "string")
      throw new ProviderError(
        `The Vault entry '${this.#entry(name)}' on mount '${displayPath(this.#mount)}' ${valueFieldProblem(fields)}: store the secret with 'bao kv put -mount=${displayPath(this.#mount)} ${this.#entry(name)} ${VALUE_FIELD}=...'`,
        { provider: PROVIDER, secret: name },
      );
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

  async #write(name: string, value: string, cas: number | undefined, signal?: AbortSignal): Promise<number> {
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
    return writtenVersion(response.body, `'${name}'`, this.#mount);
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
      const applied =
        error instanceof SecretConflictError
          ? await this.#appliedEarlier(name, value, cas, error, signal)
          : undefined;
      if (applied !== undefined) version = applied;
      else if (error instanceof SecretConflictError && options.ifAbsent && options.ifVersion === undefined) {
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
        version = await this.#writeChecked(name, value, current, signal);
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

  /**
   * The version an earlier attempt of this check-and-set wrote, when the write
   * was sent more than once and the attempt that answered found the secret
   * changed: the first attempt may have been applied with its answer lost (a
   * reset connection, a 5xx). It was when the version it would have made, the
   * one after `cas`, is current and holds `value`. Otherwise `undefined`, and
   * the conflict stands.
   */
  async #appliedEarlier(
    name: string,
    value: string,
    cas: number | undefined,
    error: SecretConflictError,
    signal: AbortSignal | undefined,
  ): Promise<number | undefined> {
    const attempts = (error.cause as VaultRequestError | undefined)?.attempts ?? 1;
    if (cas === undefined || attempts < 2) return undefined;
    const current = await this.get(name, { signal });
    if (current?.value !== value || current.version !== String(cas + 1)) return undefined;
    this.#logger.debug("vault.write.applied_before_retry", { name, version: cas + 1 });
    return cas + 1;
  }

  /**
   * A check-and-set write from version `cas` that, like the first write of
   * `set`, takes an earlier attempt's own write for the success when its answer
   * was lost and the retry found the secret changed.
   */
  async #writeChecked(name: string, value: string, cas: number, signal?: AbortSignal): Promise<number> {
    try {
      return await this.#write(name, value, cas, signal);
    } catch (error) {
      if (!(error instanceof SecretConflictError)) throw error;
      const applied = await this.#appliedEarlier(name, value, cas, error, signal);
      if (applied === undefined) throw error;
      return applied;
    }
  }

  /** A plain write on a mount or key that requires check-and-set: write over whatever version is current. */
  async #writeOverCurrent(name: string, value: string, signal?: AbortSignal): Promise<number | undefined> {
    for (let attempt = 0; ; attempt++) {
      const current = (await this.readMetadata(name, signal))?.current_version ?? 0;
      try {
        return await this.#writeChecked(name, value, current, signal);
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

  /** Names under the prefix whose current version is readable (soft-deleted secrets are left out). */
  list(signal?: AbortSignal): Promise<string[]> {
    return this.#listing.list(signal);
  }

  getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    return readEach(names, this.#concurrency, options.signal, (name, signal) =>
      this.get(name, { ...options, signal }),
    );
  }
}

/** What is wrong with an entry's fields, without naming any of them (the names are the backend's text). */
function valueFieldProblem(fields: object): string {
  if (Object.hasOwn(fields, VALUE_FIELD)) return `has a '${VALUE_FIELD}' field that is not a string`;
  const count = Object.keys(fields).length;
  if (count === 0) return `has no fields, so no '${VALUE_FIELD}' field`;
  return `has no '${VALUE_FIELD}' field (it has ${count} other field${count === 1 ? "" : "s"})`;
}
