import { type BigIntStats, constants, promises as fs, type Stats } from "node:fs";
import path from "node:path";
import {
  AccessDeniedError,
  type CheckOptions,
  type DeleteOptions,
  type FileLockOptions,
  type Logger,
  NotSupportedError,
  type ProviderCapabilities,
  type ProviderContext,
  ProviderError,
  type ProviderStatus,
  ProviderUnavailableError,
  type ReadOptions,
  SecretConfigError,
  SecretConflictError,
  SecretError,
  type SecretProvider,
  type SecretRecord,
  silentLogger,
  valueVersion,
  type WriteEntry,
  type WriteManyOptions,
  type WriteManyResult,
  type WriteOptions,
  type WriteResult,
  withFileLock,
  writeSecretFile,
} from "@org/secrets-core/provider";
import { DEFAULT_DOTENV_MAX_LENGTH, DotenvDocument, formatDotenvLine } from "@org/secrets-exporters/dotenv";
import { ANNOTATION_PREFIX, formatAnnotation, parseAnnotation, validateMetadata } from "./annotation.js";

/** The environment variable that names the dotenv file. */
export const ENV_FILE_VARIABLE = "SECRET_ENV_FILE";

const PROVIDER = "env";

export interface EnvProviderOptions {
  /**
   * The dotenv file. Relative paths resolve against `cwd`. Default: the
   * `SECRET_ENV_FILE` variable of `env`, else `.env`.
   */
  path?: string | undefined;
  /** Where a relative `path` is resolved (default `process.cwd()`). */
  cwd?: string | undefined;
  /** The environment, which takes precedence over the file (default `process.env`). */
  env?: Record<string, string | undefined> | undefined;
  /**
   * When a name being written or deleted is also set in `env`, update or delete
   * it there too, so reads in this process agree with the file (default `true`).
   */
  writeEnvironment?: boolean | undefined;
  /** Receives warnings: a file readable by others, an environment that hides a write. */
  logger?: Logger | undefined;
  /** The clock used for `updatedAt` (for tests). */
  now?: (() => Date) | undefined;
  /**
   * The cross-process lock around every write (see `withFileLock`): how long to
   * wait (default 30 s), when a holder's heartbeat counts as stale (default 15 s)
   * and how often a holder refreshes it (default 2 s).
   */
  lock?: Omit<FileLockOptions, "signal"> | undefined;
  /**
   * The largest dotenv file read or written, in bytes (default 16 MiB). A larger
   * file is refused with an error naming the file and the limit.
   */
  maxFileBytes?: number | undefined;
}

/** The largest dotenv file the provider reads or writes by default: 16 MiB. */
export const DEFAULT_MAX_FILE_BYTES = DEFAULT_DOTENV_MAX_LENGTH;

interface CachedDocument {
  key: string;
  document: DotenvDocument;
}

/**
 * Secrets in the process environment overlaid on a dotenv file (the environment
 * wins). Writes edit the file in place under a cross-process lock and replace it
 * atomically with mode 0600, keeping every other line as it was. Each written
 * assignment carries a `# secrets: updated=…` comment line holding its metadata.
 */
export class EnvProvider implements SecretProvider {
  readonly name = PROVIDER;
  readonly displayName = "Environment";
  readonly capabilities: Readonly<ProviderCapabilities> = Object.freeze({
    versions: false,
    checkAndSet: true,
    metadata: true,
  });
  /** The dotenv file, as an absolute path. */
  readonly path: string;
  readonly #env: Record<string, string | undefined>;
  readonly #writeEnvironment: boolean;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #lock: Omit<FileLockOptions, "signal">;
  readonly #maxFileBytes: number;
  #cached: CachedDocument | undefined;
  #warnedMode = false;
  readonly #warnedShadowed = new Set<string>();

  constructor(options: EnvProviderOptions = {}) {
    this.#env = options.env ?? process.env;
    const cwd = options.cwd ?? process.cwd();
    const fromEnv = this.#env[ENV_FILE_VARIABLE];
    const configured = options.path ?? (fromEnv?.trim() ? fromEnv : undefined) ?? ".env";
    if (typeof configured !== "string" || configured.trim() === "" || configured.includes("\0"))
      throw new SecretConfigError("The dotenv file path must be a non-empty string", {
        field: options.path === undefined ? ENV_FILE_VARIABLE : "path",
        provider: PROVIDER,
      });
    this.path = path.resolve(cwd, configured);
    this.#writeEnvironment = options.writeEnvironment ?? true;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
    this.#lock = { ...options.lock };
    for (const field of ["timeoutMs", "staleMs", "heartbeatMs"] as const) {
      const value = this.#lock[field];
      if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value <= 0))
        throw new SecretConfigError(`lock.${field} must be a positive number of milliseconds`, {
          field: `lock.${field}`,
          provider: PROVIDER,
        });
    }
    const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (!Number.isSafeInteger(max) || max <= 0)
      throw new SecretConfigError("maxFileBytes must be a positive whole number of bytes", {
        field: "maxFileBytes",
        provider: PROVIDER,
      });
    this.#maxFileBytes = max;
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    if (options.version !== undefined)
      throw new NotSupportedError(undefined, { provider: PROVIDER, feature: "reading earlier versions" });
    return this.#record(name, await this.#read());
  }

  /** Several secrets from one read of the file. */
  async getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    if (options.version !== undefined)
      throw new NotSupportedError(undefined, { provider: PROVIDER, feature: "reading earlier versions" });
    const document = await this.#read();
    const out = new Map<string, SecretRecord>();
    for (const name of names) {
      const record = this.#record(name, document);
      if (record) out.set(name, record);
    }
    return out;
  }

  /** The names assigned in the file, sorted (not the whole process environment). */
  async list(): Promise<string[]> {
    return (await this.#read()).names().sort();
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    // Refuse what the file cannot hold before touching it.
    formatDotenvLine(name, value);
    if (options.metadata) validateMetadata(name, options.metadata);
    await this.#edit(async (document) => {
      this.#apply(document, name, value, options);
      return true;
    }, options.signal);
    this.#syncEnvironment(name, value);
    return { version: valueVersion(value) };
  }

  /**
   * Write several secrets in one locked rewrite of the file, however many.
   * Each entry is checked as `set` checks it (name, value, metadata, and under
   * the lock `ifAbsent` and `ifVersion`); an entry that fails is left out and
   * its error reported under its name (a `SecretConflictError` when `ifAbsent`
   * finds the secret there), and the others are written. Throws, writing
   * nothing, for a name given twice or when the file cannot be locked, read or
   * written.
   */
  async setMany(entries: readonly WriteEntry[], options: WriteManyOptions = {}): Promise<WriteManyResult> {
    const seen = new Set<string>();
    for (const { name } of entries) {
      if (seen.has(name))
        throw new SecretConfigError(`'${name}' appears more than once in one setMany call`, {
          field: name,
          provider: PROVIDER,
        });
      seen.add(name);
    }
    const results: WriteManyResult = new Map();
    // Refuse what the file cannot hold before touching it.
    const pending: WriteEntry[] = [];
    for (const entry of entries) {
      try {
        formatDotenvLine(entry.name, entry.value);
        if (entry.options?.metadata) validateMetadata(entry.name, entry.options.metadata);
        pending.push(entry);
      } catch (error) {
        results.set(entry.name, error as Error);
      }
    }
    const written: WriteEntry[] = [];
    if (pending.length > 0) {
      await this.#edit(async (document) => {
        written.length = 0;
        const appended: WriteEntry[] = [];
        for (const entry of pending) {
          const error = this.#refusal(document, entry.name, entry.options ?? {});
          if (error !== undefined) results.set(entry.name, error);
          else if (document.has(entry.name)) {
            this.#apply(document, entry.name, entry.value, entry.options ?? {});
            written.push(entry);
          } else appended.push(entry);
        }
        written.push(...appended);
        return written.length > 0 && this.#append(document, appended);
      }, options.signal);
    }
    for (const { name, value } of written) {
      this.#syncEnvironment(name, value);
      results.set(name, { version: valueVersion(value) });
    }
    const ordered: WriteManyResult = new Map();
    for (const { name } of entries) ordered.set(name, results.get(name) as WriteResult | Error);
    return ordered;
  }

  /**
   * Append new assignments (each with its annotation) to the document in one
   * step, then check that the file reads back as intended: every earlier value
   * unchanged and every new one as given. If it does not (a last line that
   * leaves a quote open, say), each one is set on its own instead, which finds
   * an encoding that keeps the file unambiguous or fails.
   */
  #append(document: DotenvDocument, entries: readonly WriteEntry[]): DotenvDocument {
    if (entries.length === 0) return document;
    const before = document.toString();
    const eol = before.includes("\r\n") ? "\r\n" : "\n";
    const now = this.#now();
    const annotations = entries.map(({ options = {} }) => formatAnnotation(now, options.metadata ?? {}));
    let text = before === "" || before.endsWith("\n") ? before : `${before}${eol}`;
    entries.forEach(({ name, value }, i) => {
      text += `# ${ANNOTATION_PREFIX} ${annotations[i]}${eol}${formatDotenvLine(name, value)}${eol}`;
    });
    const next = this.#parse(text);
    const expected = document.toMap();
    for (const { name, value } of entries) expected.set(name, value);
    const got = next.toMap();
    const intact =
      got.size === expected.size &&
      [...expected].every(([name, value]) => got.get(name) === value) &&
      // Only the first annotation follows text we did not write: the others follow checked values of ours.
      next.annotation((entries[0] as WriteEntry).name) === annotations[0];
    if (intact) return next;
    entries.forEach(({ name, value }, i) => {
      document.set(name, value, { annotation: annotations[i] });
    });
    return document;
  }

  /** Why a write's check fails against what the environment and the file hold now (under the lock), if it does. */
  #refusal(
    document: DotenvDocument,
    name: string,
    options: Omit<WriteOptions, "signal">,
  ): SecretConflictError | undefined {
    const current = this.#envValue(name) ?? document.get(name);
    if (options.ifAbsent && current !== undefined)
      return new SecretConflictError(`Secret '${name}' already exists`, { provider: PROVIDER, secret: name });
    if (
      options.ifVersion !== undefined &&
      (current === undefined || valueVersion(current) !== options.ifVersion)
    )
      return new SecretConflictError(undefined, { provider: PROVIDER, secret: name });
    return undefined;
  }

  /** One write, checked against what the environment and the file hold now (under the lock). */
  #apply(document: DotenvDocument, name: string, value: string, options: Omit<WriteOptions, "signal">): void {
    const refusal = this.#refusal(document, name, options);
    if (refusal !== undefined) throw refusal;
    const metadata = options.metadata ?? parseAnnotation(document.annotation(name)).metadata;
    document.set(name, value, { annotation: formatAnnotation(this.#now(), metadata) });
  }

  async delete(name: string, options: DeleteOptions = {}): Promise<boolean> {
    let inFile = false;
    if ((await this.#read()).has(name)) {
      await this.#edit(async (document) => {
        inFile = document.delete(name);
        return inFile;
      }, options.signal);
    }
    const inEnv = this.#envValue(name) !== undefined;
    this.#syncEnvironment(name, undefined);
    return inFile || inEnv;
  }

  /**
   * The file's directory exists, and the file, if there is one, is a regular
   * file this process can read and write. Never creates the file.
   */
  async check(_options?: CheckOptions): Promise<ProviderStatus> {
    const dir = path.dirname(this.path);
    let dirStats: Stats;
    try {
      dirStats = await fs.stat(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR")
        throw new ProviderUnavailableError(`Cannot use ${this.path}: the directory ${dir} does not exist`, {
          provider: PROVIDER,
          cause: error,
        });
      throw fileError(error, "read the directory", dir);
    }
    if (!dirStats.isDirectory())
      throw new ProviderUnavailableError(`Cannot use ${this.path}: ${dir} is not a directory`, {
        provider: PROVIDER,
      });
    let exists = true;
    try {
      const stats = await fs.stat(this.path);
      if (!stats.isFile()) throw notAFile(this.path);
      this.#warnIfExposed(stats.mode);
      await fs.access(this.path, constants.R_OK | constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        throw fileError(error, "read and write", this.path);
      exists = false;
    }
    const directoryWritable = await fs.access(dir, constants.W_OK).then(
      () => true,
      () => false,
    );
    return { details: { file: this.path, exists, directoryWritable } };
  }

  /** The record for `name`: the environment's value if set there, else the file's. */
  #record(name: string, document: DotenvDocument): SecretRecord | undefined {
    const fromEnv = this.#envValue(name);
    const fromFile = document.get(name);
    if (fromEnv !== undefined && fromEnv !== fromFile) return recordOf(fromEnv);
    if (fromFile === undefined) return undefined;
    const { updatedAt, metadata } = parseAnnotation(document.annotation(name));
    const record = recordOf(fromFile);
    if (updatedAt) record.updatedAt = updatedAt;
    if (Object.keys(metadata).length > 0) record.metadata = metadata;
    return record;
  }

  #envValue(name: string): string | undefined {
    // Own properties only: `constructor` or `toString` are names, not inherited methods.
    if (!Object.hasOwn(this.#env, name)) return undefined;
    const value = this.#env[name];
    return typeof value === "string" ? value : undefined;
  }

  /** Keep the environment in step with a write (`undefined`: a delete), where it holds the name. */
  #syncEnvironment(name: string, value: string | undefined): void {
    if (this.#envValue(name) === undefined) return;
    if (this.#writeEnvironment) {
      try {
        if (value === undefined) delete this.#env[name];
        else this.#env[name] = value;
      } catch {
        // A frozen environment object: warned about below.
      }
      if (this.#envValue(name) === value) return;
    }
    if (this.#warnedShadowed.has(name)) return;
    this.#warnedShadowed.add(name);
    this.#logger.warn(
      `'${name}' is set in the environment, which takes precedence over ${this.path}: this process keeps reading the environment's value`,
      {
        name,
        provider: PROVIDER,
        reason: this.#writeEnvironment ? "the environment object is read-only" : "writeEnvironment is off",
      },
    );
  }

  /** The parsed file, re-read only when its identity, size or times changed. A missing file is an empty one. */
  async #read(): Promise<DotenvDocument> {
    let stats: BigIntStats;
    try {
      stats = await fs.stat(this.path, { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        if (this.#cached?.key !== "missing") this.#cached = { key: "missing", document: this.#parse("") };
        return this.#cached.document;
      }
      throw fileError(error, "read", this.path);
    }
    if (!stats.isFile()) throw notAFile(this.path);
    this.#warnIfExposed(Number(stats.mode));
    const key = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
    if (this.#cached?.key === key) return this.#cached.document;
    const bytes = await this.#readBounded(this.path);
    // Keyed by the stat taken before reading: if the file changed in between, the next read sees a new key.
    const document = this.#parse(bytes === undefined ? "" : bytes.toString("utf8"));
    this.#cached = { key, document };
    return document;
  }

  /**
   * The file's bytes, at most `maxFileBytes` of them (`undefined` when it does
   * not exist). A larger file is refused with an error naming the file and the
   * limit, before it is read into memory.
   */
  async #readBounded(file: string): Promise<Buffer | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw fileError(error, "read", file);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw notAFile(file);
      if (stats.size > this.#maxFileBytes) throw this.#tooLarge(file, "is", stats.size);
      // Read until the end, but never past the limit: the file may have grown since the stat.
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const chunk = Buffer.alloc(Math.min(1 << 20, this.#maxFileBytes + 1 - total));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > this.#maxFileBytes) throw this.#tooLarge(file, "is", total);
        chunks.push(chunk.subarray(0, bytesRead));
      }
      return Buffer.concat(chunks, total);
    } catch (error) {
      throw fileError(error, "read", file);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  #tooLarge(file: string, verb: "is" | "would be", size: number): SecretConfigError {
    return new SecretConfigError(
      `Cannot use ${file}: it ${verb} ${size} bytes, over the limit of ${this.#maxFileBytes} bytes for a dotenv file (option maxFileBytes)`,
      { field: "maxFileBytes", provider: PROVIDER },
    );
  }

  #parse(text: string): DotenvDocument {
    // The byte limit has been checked: a file within it never decodes to more characters.
    return DotenvDocument.parse(text, {
      annotationPrefix: ANNOTATION_PREFIX,
      maxLength: Math.max(this.#maxFileBytes, DEFAULT_DOTENV_MAX_LENGTH),
    });
  }

  /**
   * Read-modify-write the file under the cross-process lock. `change` edits the
   * document and says whether to write it (`true`), or returns the document to
   * write instead; it may throw to abandon the edit.
   */
  async #edit(
    change: (document: DotenvDocument) => Promise<boolean | DotenvDocument>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const target = await this.#writeTarget();
    try {
      await withFileLock(
        target,
        async () => {
          const document = this.#parse(await this.#readForWrite(target));
          const changed = await change(document);
          if (changed === false) return;
          const text = (changed === true ? document : changed).toString();
          const size = Buffer.byteLength(text, "utf8");
          if (size > this.#maxFileBytes) throw this.#tooLarge(target, "would be", size);
          try {
            // Every writer of the file holds the lock: leftovers of earlier locked writers are removed.
            await writeSecretFile(target, text, { locked: true });
          } catch (error) {
            throw fileError(error, "write", target);
          }
        },
        { ...this.#lock, signal },
      );
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      throw fileError(error, "lock", target);
    } finally {
      this.#cached = undefined;
    }
  }

  /** The file a write replaces: the target of a symbolic link, so the link survives. */
  async #writeTarget(): Promise<string> {
    try {
      return await fs.realpath(this.path);
    } catch {
      return this.path;
    }
  }

  /** The current text, which must be valid UTF-8: rewriting it otherwise would damage other lines. */
  async #readForWrite(file: string): Promise<string> {
    const bytes = await this.#readBounded(file);
    if (bytes === undefined) return "";
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch (error) {
      throw new ProviderError(
        `Cannot write ${file}: it is not valid UTF-8, and rewriting it would damage other lines; convert it to UTF-8 first`,
        { provider: PROVIDER, cause: error },
      );
    }
  }

  #warnIfExposed(mode: number): void {
    if (this.#warnedMode || (mode & 0o077) === 0) return;
    this.#warnedMode = true;
    const shown = (mode & 0o777).toString(8).padStart(4, "0");
    this.#logger.warn(
      `${this.path} can be read or written by other users (mode ${shown}); run chmod 600 on it`,
      {
        provider: PROVIDER,
        file: this.path,
        mode: shown,
      },
    );
  }
}

function notAFile(file: string): SecretError {
  return new ProviderUnavailableError(`Cannot use ${file}: it is not a regular file (a directory?)`, {
    provider: PROVIDER,
  });
}

/** A file-system failure as a `SecretError` naming the path (errors that already are one pass through). */
function fileError(error: unknown, action: string, file: string): SecretError {
  if (error instanceof SecretError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return new AccessDeniedError(`Cannot ${action} ${file}: permission denied`, {
        provider: PROVIDER,
        cause: error,
      });
    case "EISDIR":
      return new ProviderUnavailableError(`Cannot ${action} ${file}: it is a directory`, {
        provider: PROVIDER,
        cause: error,
      });
    case "ENOENT":
      return new ProviderUnavailableError(`Cannot ${action} ${file}: its directory does not exist`, {
        provider: PROVIDER,
        cause: error,
      });
    case "ENOTDIR":
      return new ProviderUnavailableError(`Cannot ${action} ${file}: a parent of it is not a directory`, {
        provider: PROVIDER,
        cause: error,
      });
    case "EROFS":
      return new ProviderUnavailableError(`Cannot ${action} ${file}: the file system is read-only`, {
        provider: PROVIDER,
        cause: error,
      });
    default:
      return new ProviderError(`Cannot ${action} ${file}: ${code ?? "unexpected error"}`, {
        provider: PROVIDER,
        cause: error,
      });
  }
}

/** A provider for code: `createEnvProvider({ path: ".env.local" })`. */
export function createEnvProvider(options: EnvProviderOptions = {}): EnvProvider {
  return new EnvProvider(options);
}

/**
 * The plugin entry point core resolves for `SECRET_PROVIDER=env` (the default):
 * the file is `SECRET_ENV_FILE`, else `.env` in the project directory.
 */
export function createProvider(context: ProviderContext): EnvProvider {
  return new EnvProvider({
    env: context.env as Record<string, string | undefined>,
    cwd: context.cwd,
    logger: context.logger,
  });
}

/**
 * A record whose version is computed when first read: `get` usually needs
 * only the value, and the version's HMAC is what loads `node:crypto`.
 */
function recordOf(value: string): SecretRecord {
  let version: string | undefined;
  let known = false;
  return {
    value,
    get version() {
      if (!known) {
        version = valueVersion(value);
        known = true;
      }
      return version;
    },
    set version(given) {
      version = given;
      known = true;
    },
  };
}
