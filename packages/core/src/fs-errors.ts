/**
 * File-system errors in words: the reason a message about a file ends with
 * ("Cannot write .env: permission denied"), worded alike in every package.
 */

/** The words for codes that mean the same whatever the operation. */
const WORDS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  ENOSPC: "no space left on the device",
  EROFS: "the file system is read-only",
};

export interface DescribeFsErrorOptions {
  /** Only these codes are described; any other gives `undefined` (default: every code that has words). */
  codes?: readonly string[] | undefined;
  /**
   * The caller's own words, by code: for codes whose meaning depends on the
   * operation (`ENOENT`: no such file, or no such directory?), or to replace the shared words.
   */
  words?: Readonly<Record<string, string>> | undefined;
}

/** The errno code of a file-system error (`ENOENT`…), or `undefined`. */
export function fsErrorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Why a file operation failed, in words, or `undefined` when the error's code
 * has none (or is not among `codes`): the caller then says it its own way,
 * typically with the code itself.
 */
export function describeFsError(error: unknown, options: DescribeFsErrorOptions = {}): string | undefined {
  const code = fsErrorCode(error);
  if (code === undefined || (options.codes !== undefined && !options.codes.includes(code))) return undefined;
  const own = options.words;
  if (own !== undefined && Object.hasOwn(own, code)) return own[code];
  return Object.hasOwn(WORDS, code) ? WORDS[code] : undefined;
}
