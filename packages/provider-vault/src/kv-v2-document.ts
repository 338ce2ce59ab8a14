/**
 * The document layout on KV v2: every secret is a field of one entry, read and
 * written by core's `DocumentLayout` with check-and-set on the entry's version;
 * versioned reads of single secrets and destroying earlier versions are here.
 */
import {
  type DocumentBackend,
  DocumentLayout,
  NotSupportedError,
  type ReadOptions,
  SecretConflictError,
  type SecretRecord,
  type StoredDocument,
  type WriteOptions,
} from "@org/secrets-core/provider";
import { isLiveVersion, type KvMetadata, parseVersion, writtenVersion } from "./kv-v2-versions.js";
import type { Layout, LayoutOptions } from "./layout.js";
import { displayPath } from "./paths.js";
import { PROVIDER, type Send, type VaultRequestError } from "./request.js";

/** Most earlier document versions read while looking for a secret's previous value. */
const MAX_HISTORY_READS = 20;

/**
 * The document layout on KV v2: every secret is a field of the one entry at
 * `<mount>/data/<prefix>`. Core's `DocumentLayout` does the read-modify-write;
 * this backend reads the entry with its KV version and writes it with
 * check-and-set on that version, so concurrent writers never lose a change.
 */
export class KvV2Document implements DocumentBackend {
  readonly #send: Send;
  readonly #mount: string[];
  readonly #path: string[];
  readonly #label: string;

  constructor(options: Pick<LayoutOptions, "send" | "mount" | "prefix">) {
    this.#send = options.send;
    this.#mount = options.mount;
    this.#path = options.prefix;
    this.#label = `${displayPath(options.mount)}/${displayPath(options.prefix)}`;
  }

  get label(): string {
    return this.#label;
  }

  #api(kind: "data" | "metadata" | "destroy"): string[] {
    return [...this.#mount, kind, ...this.#path];
  }

  async read(options: ReadOptions = {}): Promise<StoredDocument | undefined> {
    return this.readVersion(undefined, options.signal);
  }

  /** The document at `version` (default: current). A deleted document reads as empty, at its version. */
  async readVersion(version: number | undefined, signal?: AbortSignal): Promise<StoredDocument | undefined> {
    const response = await this.#send({
      method: "GET",
      segments: this.#api("data"),
      ...(version === undefined ? {} : { query: { version: String(version) } }),
      accept: [404],
      signal,
    });
    const data = response.body?.data as
      | { data?: Record<string, unknown> | null; metadata?: { version?: unknown } | null }
      | undefined;
    const docVersion = data?.metadata?.version;
    if (response.status === 404) {
      // Soft-deleted or destroyed: no fields, but later writes must check-and-set against this version.
      return typeof docVersion === "number" && version === undefined
        ? { fields: {}, version: String(docVersion) }
        : undefined;
    }
    // Every key is a secret name from the backend: kept in a null-prototype object,
    // so `__proto__` or `constructor` are fields like any other.
    const fields: Record<string, string> = Object.create(null);
    const stored = data?.data;
    const entries =
      stored && typeof stored === "object" && !Array.isArray(stored) ? Object.entries(stored) : [];
    for (const [key, value] of entries) {
      if (typeof value === "string") fields[key] = value;
      else if (typeof value === "number" || typeof value === "boolean") fields[key] = String(value);
    }
    return { fields, version: typeof docVersion === "number" ? String(docVersion) : "0" };
  }

  async write(
    fields: Record<string, string>,
    expected: string | undefined,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<void> {
    const cas = expected === undefined ? 0 : Number(expected);
    try {
      const response = await this.#send({
        signal: options.signal,
        method: "POST",
        segments: this.#api("data"),
        body: { data: fields, options: { cas } },
        secret: undefined,
      });
      writtenVersion(response.body, `the document ${this.#label}`, this.#mount);
    } catch (error) {
      if (!(error instanceof SecretConflictError)) throw error;
      if (!(await this.#appliedEarlier(fields, cas, error, options.signal))) throw error;
    }
  }

  /**
   * Whether an earlier attempt of this write was applied with its answer lost
   * (a reset connection, a 5xx) and the retry then found the document changed:
   * the write was sent more than once, and the version after `cas` is current
   * and holds exactly `fields`. Otherwise the conflict stands, and core's
   * read-modify-write reads the document again.
   */
  async #appliedEarlier(
    fields: Record<string, string>,
    cas: number,
    error: SecretConflictError,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const attempts = (error.cause as VaultRequestError | undefined)?.attempts ?? 1;
    if (attempts < 2) return false;
    const current = await this.readVersion(undefined, signal);
    if (current === undefined || current.version !== String(cas + 1)) return false;
    const keys = Object.keys(fields);
    return (
      keys.length === Object.keys(current.fields).length &&
      keys.every((key) => Object.hasOwn(current.fields, key) && current.fields[key] === fields[key])
    );
  }

  async readMetadata(signal?: AbortSignal): Promise<KvMetadata | undefined> {
    const response = await this.#send({
      method: "GET",
      segments: this.#api("metadata"),
      accept: [404],
      signal,
    });
    if (response.status === 404) return undefined;
    const data = response.body?.data as KvMetadata | undefined;
    return data && typeof data.current_version === "number" ? data : undefined;
  }

  /** Destroy every version older than the current one (their data is gone for good). */
  async destroyEarlierVersions(signal?: AbortSignal): Promise<void> {
    const meta = await this.readMetadata(signal);
    if (!meta) return;
    const versions = Object.entries(meta.versions ?? {})
      .map(([v, info]) => ({ v: Number(v), info }))
      .filter(({ v, info }) => v < meta.current_version && !info.destroyed)
      .map(({ v }) => v);
    if (versions.length === 0) return;
    await this.#send({ method: "POST", segments: this.#api("destroy"), body: { versions }, signal });
  }
}

/** The document layout as a `Layout`, with versioned reads of single secrets. */
export class KvV2DocumentLayout implements Layout {
  readonly #document: KvV2Document;
  readonly #layout: DocumentLayout;

  constructor(options: Pick<LayoutOptions, "send" | "mount" | "prefix">) {
    this.#document = new KvV2Document(options);
    this.#layout = new DocumentLayout(this.#document, { provider: PROVIDER, label: this.#document.label });
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    if (options.version === undefined) return this.#layout.get(name, options);
    if (options.version === "previous") return this.#previous(name, options.signal);
    const version = parseVersion(options.version, name);
    const doc = await this.#document.readVersion(version, options.signal);
    const value = doc && Object.hasOwn(doc.fields, name) ? doc.fields[name] : undefined;
    return value === undefined ? undefined : { value, version: String(version) };
  }

  /** The value the secret had before its current one: the newest earlier document version where it differs. */
  async #previous(name: string, signal?: AbortSignal): Promise<SecretRecord | undefined> {
    const meta = await this.#document.readMetadata(signal);
    if (!meta) return undefined;
    const current = await this.#document.readVersion(meta.current_version, signal);
    const now = current && Object.hasOwn(current.fields, name) ? current.fields[name] : undefined;
    const earlier = Object.entries(meta.versions ?? {})
      .map(([v, info]) => ({ v: Number(v), info }))
      .filter(({ v, info }) => v < meta.current_version && isLiveVersion(info))
      .sort((a, b) => b.v - a.v)
      .slice(0, MAX_HISTORY_READS);
    for (const { v } of earlier) {
      const doc = await this.#document.readVersion(v, signal);
      if (!doc || !Object.hasOwn(doc.fields, name)) continue;
      const value = doc.fields[name];
      if (value !== undefined && value !== now) return { value, version: String(v) };
    }
    return undefined;
  }

  getMany(names: readonly string[], options?: ReadOptions): Promise<Map<string, SecretRecord>> {
    return this.#layout.getMany(names, options);
  }

  list(_signal?: AbortSignal): Promise<string[]> {
    return this.#layout.list();
  }

  set(name: string, value: string, options: WriteOptions = {}): Promise<{ version?: string }> {
    const { metadata: _ignored, ...rest } = options;
    return this.#layout.set(name, value, rest);
  }

  async delete(name: string, permanent: boolean, signal?: AbortSignal): Promise<boolean> {
    const existed = await this.#layout.delete(name, { signal });
    // Earlier versions of the document still hold the value; permanent deletion destroys them.
    if (permanent && existed) await this.#document.destroyEarlierVersions(signal);
    return existed;
  }

  async restore(): Promise<void> {
    throw new NotSupportedError(undefined, {
      provider: PROVIDER,
      feature: "restoring a deleted secret in the document layout",
    });
  }
}
