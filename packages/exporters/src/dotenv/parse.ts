/**
 * Reading dotenv text exactly as the `dotenv` package's `parse` does: the
 * grammar, the scan into statements with their offsets, and `parseDotenv`.
 *
 * The reading rules, as `dotenv` applies them:
 * - `\r\n` and lone `\r` become `\n` before anything else, so a literal
 *   carriage return never survives; only `\r` inside double quotes makes one.
 * - An assignment is `[export ]KEY=value` or `KEY: value`, keys being
 *   `[A-Za-z0-9_.-]+`. Whitespace around the separator is allowed.
 * - A value is single-, double- or backtick-quoted (and may then span lines;
 *   a quote preceded by a backslash does not close it), or bare: everything
 *   up to `#` or the end of the line. Values are trimmed outside the quotes.
 * - Only double-quoted values expand escapes, and only `\n` and `\r`.
 *   There is no `$` expansion and no other escape (not even `\\`).
 * - When a key appears more than once, the last assignment wins.
 * - A key named `__proto__` is dropped (it cannot be an own property of the
 *   plain object `dotenv` builds), so this codec drops it too and refuses to
 *   write it: an application loading the file with `dotenv` would silently
 *   miss it. Every other name, `constructor` and `toString` included, is an
 *   ordinary key: names are only ever keys of a `Map`.
 * - Input longer than `maxLength` (default 16 MiB, `DEFAULT_DOTENV_MAX_LENGTH`)
 *   is refused with a `SecretConfigError` before it is scanned.
 */

import { SecretConfigError } from "@org/secrets-core/provider";

/**
 * One assignment, from its first character on: `dotenv`'s expression is this
 * one preceded by `^\s*` (multiline). The capture groups are: 1 `export `
 * prefix, 2 key, 3 separator, 4 raw value. Written to match `dotenv`'s
 * grammar exactly, including how the regular expression engine backtracks: a
 * quoted value ends at the last closing quote (up to the first unescaped one)
 * that is followed only by whitespace or a comment on its line, else the value
 * is read as bare text. Sticky: `scan` says where each attempt starts.
 */
const STATEMENT =
  /(export\s+)?([\w.-]+)(\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/my;

/** How `dotenv` removes the quotes around a value (note the multiline flag: `\u2028` starts a line too). */
const SURROUNDING_QUOTES = /^(['"`])([\s\S]*)\1$/gm;

export const KEY = /^[\w.-]+$/;

/** The keys `dotenv` can hold. */
export function isDotenvKey(name: string): boolean {
  return KEY.test(name) && name !== "__proto__";
}

/** The longest dotenv text parsed by default: 16 MiB (16777216 UTF-16 code units; a 16 MiB UTF-8 file never decodes to more). */
export const DEFAULT_DOTENV_MAX_LENGTH = 16 * 1024 * 1024;

export interface DotenvParseOptions {
  /** Refuse longer text (UTF-16 code units, default `DEFAULT_DOTENV_MAX_LENGTH`). */
  maxLength?: number | undefined;
}

/** Refuse text over the limit, naming the limit and never the content. */
export function assertLength(text: string, maxLength: number | undefined): void {
  if (typeof text !== "string") throw new SecretConfigError("Dotenv text must be a string");
  const limit = maxLength ?? DEFAULT_DOTENV_MAX_LENGTH;
  if (text.length > limit)
    throw new SecretConfigError(
      `The dotenv text is ${text.length} characters long, over the limit of ${limit} characters`,
      { field: "maxLength" },
    );
}

/**
 * Parse dotenv text with exactly the result of `dotenv.parse(text)`, as a map in first-appearance order.
 * @throws SecretConfigError when the text is longer than `options.maxLength`.
 */
export function parseDotenv(text: string, options: DotenvParseOptions = {}): Map<string, string> {
  assertLength(text, options.maxLength);
  const values = new Map<string, string>();
  for (const statement of scan(normalizeLineBreaks(text).text)) values.set(statement.key, statement.value);
  return values;
}

export interface Statement {
  key: string;
  value: string;
  /** Offsets in the normalised text. */
  start: number;
  separatorEnd: number;
  valueStart: number;
  valueEnd: number;
  exported: boolean;
}

/**
 * Every assignment, as `dotenv`'s global multiline expression finds them, in
 * time linear in the text (the expression itself, run over the whole text,
 * takes time quadratic in a run of blank lines: each line start in it scans
 * the rest of the run). An attempt at a line start skips the whitespace there,
 * line breaks included, and matches from the first other character, so every
 * line start before that character gives the same attempt: one is made, and
 * after a failure the search resumes at the next line start past it.
 */
export function scan(text: string): Statement[] {
  const statements: Statement[] = [];
  const pattern = new RegExp(STATEMENT.source, STATEMENT.flags);
  // `replace` starts a global expression from the beginning each time: one serves every value.
  const quotes = new RegExp(SURROUNDING_QUOTES.source, SURROUNDING_QUOTES.flags);
  let lineStart = 0;
  while (lineStart < text.length) {
    const start = skipSpace(text, lineStart);
    if (start === text.length) break;
    pattern.lastIndex = start;
    const match = execAt(pattern, text, start);
    if (match === null) {
      lineStart = nextLineStart(text, start);
      continue;
    }
    const end = pattern.lastIndex;
    lineStart = end === 0 || isLineBreak(text.charCodeAt(end - 1)) ? end : nextLineStart(text, end);
    // The groups follow one another from `start`: their offsets are counted from their lengths
    // (cheaper than asking the expression for indices).
    const exportPrefix = match[1];
    const key = match[2] as string;
    const keyStart = start + (exportPrefix?.length ?? 0);
    const separatorEnd = keyStart + key.length + (match[3] as string).length;
    const raw = match[4];
    let valueStart = separatorEnd;
    let valueEnd = separatorEnd;
    let value = "";
    if (raw !== undefined) {
      value = raw.trim();
      if (value !== "") {
        valueStart = separatorEnd + skipSpace(raw, 0);
        valueEnd = valueStart + value.length;
      }
      const firstChar = value[0];
      value = value.replace(quotes, "$2");
      if (firstChar === '"') value = expandDoubleQuoted(value);
    }
    if (key === "__proto__") continue;
    statements.push({
      key,
      value,
      start,
      separatorEnd,
      valueStart,
      valueEnd,
      exported: exportPrefix !== undefined,
    });
  }
  return statements;
}

/**
 * The expression's match at `start`. A quote whose value would span millions
 * of characters (a long quoted value, or an unterminated quote with a long
 * text after it) exhausts the expression engine's backtracking stack, in
 * `dotenv` too: that is refused with an error naming the line, not a stack overflow.
 */
function execAt(pattern: RegExp, text: string, start: number): RegExpExecArray | null {
  try {
    return pattern.exec(text);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    let line = 1;
    for (let i = text.indexOf("\n"); i !== -1 && i < start; i = text.indexOf("\n", i + 1)) line++;
    throw new SecretConfigError(
      `The dotenv text cannot be read: the quoted value on line ${line} spans more characters than the dotenv grammar can follow (about 8 million); shorten it, or close its quote`,
      { field: `line ${line}` },
    );
  }
}

/** The offset of the first character at or after `from` that is not whitespace, as `\s` and `trim` count it. */
function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** A line terminator, where `^` matches after it in a multiline expression. */
function isLineBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/** The first line start after `from` (the text's length when there is none). */
function nextLineStart(text: string, from: number): number {
  let i = from;
  while (i < text.length && !isLineBreak(text.charCodeAt(i))) i++;
  return i + 1;
}

function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

export function expandDoubleQuoted(content: string): string {
  return content.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
}

export interface Normalized {
  text: string;
  /** Original offset of each normalised offset (and of the end), or `undefined` when nothing changed. */
  offsets: number[] | undefined;
}

export function normalizeLineBreaks(original: string): Normalized {
  if (!original.includes("\r")) return { text: original, offsets: undefined };
  const offsets: number[] = [];
  let text = "";
  let i = 0;
  while (i < original.length) {
    offsets.push(i);
    if (original[i] === "\r") {
      text += "\n";
      i += original[i + 1] === "\n" ? 2 : 1;
    } else {
      text += original[i];
      i += 1;
    }
  }
  offsets.push(original.length);
  return { text, offsets };
}
