// Access to the dotenv file: bounded reads, parsing, the stat-keyed cache, and the mode warning.

import { type BigIntStats, promises as fs } from "node:fs";
import path from "node:path";
import {
  fileCalls,
  fileTypeOf,
  type Logger,
  ProviderError,
  type RegularFileRead,
  readRegularFile,
  resolveWriteTarget,
  SecretConfigError,
} from "@org/secrets-core/provider";
import { DEFAULT_DOTENV_MAX_LENGTH, DotenvDocument } from "@org/secrets-exporters/dotenv";
import { ANNOTATION_PREFIX } from "./annotation.js";
import { fileError, notAFile } from "./fs-errors.js";
import { PROVIDER } from "./options.js";

interface CachedDocument {
  key: string;
  document: DotenvDocument;
}

export class DotenvFile {
  /** The dotenv file, as an absolute path. */
  readonly path: string;
  readonly maxFileBytes: number;
  readonly #logger: Logger;
  #cached: CachedDocument | undefined;
  #warnedMode = false;

  constructor(file: string, maxFileBytes: number, logger: Logger) {
    this.path = file;
    this.maxFileBytes = maxFileBytes;
    this.#logger = logger;
  }

  /** The parsed file, re-read only when its identity, size or times changed. A missing file is an empty one. */
  async read(): Promise<DotenvDocument> {
    // Nothing cached to keep: the file is opened at once, and keyed by the open file's own stats.
    if (this.#cached === undefined) return this.#readCold();
    let stats: BigIntStats;
    try {
      stats = await fileCalls.statBigInt(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        if (this.#cached?.key !== MISSING) this.#cached = { key: MISSING, document: this.parse("") };
        return this.#cached.document;
      }
      throw fileError(error, "read", this.path);
    }
    if (!stats.isFile()) throw notAFile(this.path, fileTypeOf(stats));
    this.warnIfExposed(Number(stats.mode));
    if (this.#cached?.key === cacheKey(stats)) return this.#cached.document;
    return this.#readCold();
  }

  /** Read and parse the file, and cache it under the stats of the file that was read. */
  async #readCold(): Promise<DotenvDocument> {
    const found = await readRegularFile(this.path, this.maxFileBytes);
    if (found.kind === "missing") {
      this.#cached = { key: MISSING, document: this.parse("") };
      return this.#cached.document;
    }
    if (found.kind !== "read") throw this.#failure(this.path, found);
    this.warnIfExposed(Number(found.stats.mode));
    // Keyed by the stats taken before reading: if the file changed since, the next read sees a new key.
    const document = this.parse(found.bytes.toString("utf8"));
    this.#cached = { key: cacheKey(found.stats), document };
    return document;
  }

  /** Forget the cached document (after a write). */
  invalidate(): void {
    this.#cached = undefined;
  }

  /**
   * The current text of `file`, which must be valid UTF-8: rewriting it
   * otherwise would damage other lines; and `state`, what identifies this
   * version of the file (see `stateOf`).
   */
  async readForWrite(file: string): Promise<{ text: string; state: string }> {
    const found = await readRegularFile(file, this.maxFileBytes);
    if (found.kind === "missing") return { text: "", state: MISSING };
    if (found.kind !== "read") throw this.#failure(file, found);
    try {
      const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(found.bytes);
      return { text, state: cacheKey(found.stats) };
    } catch (error) {
      throw new ProviderError(
        `Cannot write ${file}: it is not valid UTF-8, and rewriting it would damage other lines; convert it to UTF-8 first`,
        { provider: PROVIDER, cause: error },
      );
    }
  }

  /** What identifies the version of `file` there now: a write, a replacement or a touch changes it. */
  async stateOf(file: string): Promise<string> {
    try {
      return cacheKey(await fileCalls.statBigInt(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return MISSING;
      throw error;
    }
  }

  /**
   * The file a write replaces (and locks): the file a symbolic link finally
   * names, so the link survives, even when that file does not exist yet; its
   * directory's real path, so every writer locks the same file. When core
   * refuses the path (not a regular file, a loop of links), the path itself:
   * the read under the lock then says why, in this provider's words.
   */
  async writeTarget(): Promise<string> {
    let target: string;
    try {
      target = await resolveWriteTarget(this.path);
    } catch {
      return this.path;
    }
    const dir = await fs.realpath(path.dirname(target)).catch(() => path.dirname(target));
    return path.join(dir, path.basename(target));
  }

  parse(text: string): DotenvDocument {
    // The byte limit has been checked: a file within it never decodes to more characters.
    return DotenvDocument.parse(text, {
      annotationPrefix: ANNOTATION_PREFIX,
      maxLength: Math.max(this.maxFileBytes, DEFAULT_DOTENV_MAX_LENGTH),
    });
  }

  tooLarge(file: string, verb: "is" | "would be", size: number): SecretConfigError {
    return new SecretConfigError(
      `Cannot use ${file}: it ${verb} ${size} bytes, over the limit of ${this.maxFileBytes} bytes for a dotenv file (option maxFileBytes)`,
      { field: "maxFileBytes", provider: PROVIDER },
    );
  }

  /** Warn once when the file's mode lets other users read or write it. */
  warnIfExposed(mode: number): void {
    if (this.#warnedMode) return;
    const warning = exposedFileWarning(this.path, mode);
    if (warning === undefined) return;
    this.#warnedMode = true;
    this.#logger.warn(warning, { provider: PROVIDER, file: this.path, mode: octalMode(mode) });
  }

  /** Why `readRegularFile` read nothing from an existing `file`, as the error to throw. */
  #failure(file: string, found: Exclude<RegularFileRead, { kind: "read" | "missing" }>): Error {
    switch (found.kind) {
      case "directory":
        return notAFile(file, "a directory");
      case "not-a-file":
        return notAFile(file, found.type);
      case "too-large":
        return this.tooLarge(file, "is", found.size);
      case "failed":
        return fileError(found.error, "read", file);
    }
  }
}

/** The state of a file that does not exist. */
const MISSING = "missing";

/** What identifies one state of the file: a write, a replacement or a touch changes it. */
function cacheKey(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/** Modes mean nothing on Windows, where access is a matter of ACLs: no warning is made from them. */
const MODES_APPLY = process.platform !== "win32";

/** `0644`: the permission bits of `mode`, as chmod takes them. */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/** What to fix when the secrets file's mode lets other users read or write it, else `undefined`. */
export function exposedFileWarning(file: string, mode: number): string | undefined {
  if (!MODES_APPLY || (mode & 0o077) === 0) return undefined;
  return `${file} can be read or written by other users (mode ${octalMode(mode)}): run chmod 600 on it`;
}

/**
 * What to fix when every user may write the directory of the secrets file
 * without its sticky bit: any of them could rename another file over it.
 * Group write is common (a user's private group) and not reported.
 */
export function exposedDirectoryWarning(dir: string, file: string, mode: number): string | undefined {
  if (!MODES_APPLY || (mode & 0o002) === 0 || (mode & 0o1000) !== 0) return undefined;
  return `${dir} can be written by every user (mode ${octalMode(mode)}), so any of them could replace ${file}: run chmod o-w on it`;
}
