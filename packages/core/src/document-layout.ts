/**
 * Many secrets kept as one stored document (one JSON object per backend entry), for providers
 * built on it.
 */
import type * as Crypto from "node:crypto";
import { backoffDelay, sleep } from "./backoff.js";
import type { DeleteOptions, ListOptions, ReadOptions, SecretRecord, WriteOptions } from "./contract.js";
import { SecretConflictError } from "./errors.js";

let versionKey: Buffer | undefined;

/**
 * A version tag for a value in a store that keeps no versions of its own.
 * Keyed with a random per-process key, so the tag reveals nothing about the
 * value (not even to someone who can guess it); it is only meaningful within
 * the process that produced it, which is where check-and-set uses it.
 */
export function valueVersion(value: string): string {
  // Loaded on first use: a process that only reads never needs it.
  const crypto: typeof Crypto = process.getBuiltinModule("node:crypto");
  versionKey ??= crypto.randomBytes(32);
  return crypto.createHmac("sha256", versionKey).update(value, "utf8").digest("base64url").slice(0, 22);
}

/**
 * The whole document as a backend stores it. Field names are secret names, so
 * any string may be one (`__proto__` included): a backend should build `fields`
 * with `JSON.parse` or on `Object.create(null)`; the layout only ever reads own
 * properties and hands `write` a null-prototype object.
 */
export interface StoredDocument {
  fields: Record<string, string>;
  /** The backend's version of the whole document, used for check-and-set writes. */
  version: string;
}

/** What a backend must do to keep all of an application's secrets in one entry. */
export interface DocumentBackend {
  /** The document, or `undefined` when it does not exist yet. */
  read(options?: ReadOptions): Promise<StoredDocument | undefined>;
  /**
   * Replace the document if it is still at version `expected` (`undefined`:
   * only if it does not exist). Throw `SecretConflictError` when it is not.
   * `options.signal` aborts at the caller's deadline.
   */
  write(
    fields: Record<string, string>,
    expected: string | undefined,
    options?: { signal?: AbortSignal | undefined },
  ): Promise<void>;
}

export interface DocumentLayoutOptions {
  /** Provider name for errors. */
  provider: string;
  /** What the document is called in messages, e.g. `secret/myapp`. */
  label: string;
  /** How many times a write that lost a race is retried (default 10). */
  retries?: number;
}

/**
 * The "document" layout shared by providers that can keep every secret of an
 * application as a field of one entry: one request reads them all, and every
 * write is a read-modify-write guarded by the backend's check-and-set and
 * retried (with jittered backoff) when another writer got there first.
 * Per-secret `ifAbsent` / `ifVersion` are honoured on top.
 */
export class DocumentLayout {
  readonly #backend: DocumentBackend;
  readonly #options: Required<DocumentLayoutOptions>;

  constructor(backend: DocumentBackend, options: DocumentLayoutOptions) {
    this.#backend = backend;
    this.#options = { retries: 10, ...options };
  }

  async get(name: string, options?: ReadOptions): Promise<SecretRecord | undefined> {
    const doc = await this.#backend.read(options);
    const value = doc ? own(doc.fields, name) : undefined;
    return value === undefined ? undefined : { value, version: valueVersion(value) };
  }

  async getMany(names: readonly string[], options?: ReadOptions): Promise<Map<string, SecretRecord>> {
    const doc = await this.#backend.read(options);
    const out = new Map<string, SecretRecord>();
    if (!doc) return out;
    for (const name of names) {
      const value = own(doc.fields, name);
      if (value !== undefined) out.set(name, { value, version: valueVersion(value) });
    }
    return out;
  }

  async list(options?: ListOptions): Promise<string[]> {
    const doc = await this.#backend.read(options?.signal ? { signal: options.signal } : undefined);
    return doc ? Object.keys(doc.fields).sort() : [];
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<{ version: string }> {
    await this.#update(name, options.signal, (current) => {
      if (options.ifAbsent && current !== undefined)
        throw new SecretConflictError(`Secret '${name}' already exists`, {
          provider: this.#options.provider,
          secret: name,
        });
      if (
        options.ifVersion !== undefined &&
        (current === undefined || valueVersion(current) !== options.ifVersion)
      )
        throw new SecretConflictError(undefined, { provider: this.#options.provider, secret: name });
      return value;
    });
    return { version: valueVersion(value) };
  }

  async delete(name: string, options?: DeleteOptions): Promise<boolean> {
    let existed = false;
    await this.#update(name, options?.signal, (current) => {
      existed = current !== undefined;
      return undefined;
    });
    return existed;
  }

  /**
   * Read-modify-write one field, retrying when the document changed under us,
   * until `signal` aborts (the caller's deadline): then no further attempt starts.
   */
  async #update(
    name: string,
    signal: AbortSignal | undefined,
    change: (current: string | undefined) => string | undefined,
  ): Promise<void> {
    const withSignal = signal ? { signal } : undefined;
    for (let attempt = 0; ; attempt++) {
      const doc = await this.#backend.read(withSignal);
      const current = doc ? own(doc.fields, name) : undefined;
      const next = change(current);
      if (next === current) return;
      // Field names are untrusted keys: copy onto an object with no prototype,
      // so `__proto__`, `constructor` or `toString` are plain fields like any other.
      const fields: Record<string, string> = Object.create(null);
      if (doc) for (const key of Object.keys(doc.fields)) fields[key] = doc.fields[key] as string;
      if (next === undefined) delete fields[name];
      else fields[name] = next;
      try {
        await this.#backend.write(fields, doc?.version, withSignal);
        return;
      } catch (error) {
        if (signal?.aborted) throw error;
        if (!(error instanceof SecretConflictError) || attempt >= this.#options.retries) {
          if (error instanceof SecretConflictError)
            throw new SecretConflictError(
              `Gave up writing '${name}' after ${attempt + 1} attempts: ${this.#options.label} keeps changing under concurrent writers`,
              { provider: this.#options.provider, secret: name, cause: error },
            );
          throw error;
        }
        await sleep(backoffDelay(attempt, { baseMs: 20, capMs: 2000 }), signal);
        if (signal?.aborted) throw error;
      }
    }
  }
}

function own(fields: Record<string, string>, name: string): string | undefined {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}
