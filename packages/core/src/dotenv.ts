/**
 * A dotenv codec that reads files exactly as the `dotenv` package's `parse`
 * does, writes values in the shortest form that `dotenv` reads back unchanged,
 * and edits files in place without disturbing anything it was not asked to change.
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

import { InvalidSecretNameError, InvalidSecretValueError, SecretConfigError } from "./errors.js";

/**
 * One assignment. The capture groups are: 1 `export ` prefix, 2 key,
 * 3 separator, 4 raw value. Written to match `dotenv`'s grammar exactly,
 * including how the regular expression engine backtracks: a quoted value
 * ends at the last closing quote (up to the first unescaped one) that is
 * followed only by whitespace or a comment on its line, else the value is
 * read as bare text.
 */
const STATEMENT =
  /^\s*(export\s+)?([\w.-]+)(\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/dgm;

/** How `dotenv` removes the quotes around a value (note the multiline flag: `\u2028` starts a line too). */
const SURROUNDING_QUOTES = /^(['"`])([\s\S]*)\1$/gm;

const KEY = /^[\w.-]+$/;

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
function assertLength(text: string, maxLength: number | undefined): void {
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

interface Statement {
  key: string;
  value: string;
  /** Offsets in the normalised text. */
  start: number;
  separatorEnd: number;
  valueStart: number;
  valueEnd: number;
  exported: boolean;
}

function scan(text: string): Statement[] {
  const statements: Statement[] = [];
  const pattern = new RegExp(STATEMENT.source, STATEMENT.flags);
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const indices = match.indices as RegExpIndicesArray;
    const key = match[2] as string;
    const [keyStart] = indices[2] as [number, number];
    const [, separatorEnd] = indices[3] as [number, number];
    const raw = match[4];
    let valueStart = separatorEnd;
    let valueEnd = separatorEnd;
    let value = "";
    if (raw !== undefined) {
      const [groupStart, groupEnd] = indices[4] as [number, number];
      value = raw.trim();
      if (value === "") {
        valueStart = groupStart;
        valueEnd = groupStart;
      } else {
        valueStart = groupStart + (raw.length - raw.trimStart().length);
        valueEnd = groupEnd - (raw.length - raw.trimEnd().length);
      }
      const firstChar = value[0];
      value = value.replace(new RegExp(SURROUNDING_QUOTES.source, SURROUNDING_QUOTES.flags), "$2");
      if (firstChar === '"') value = expandDoubleQuoted(value);
    }
    if (key === "__proto__") continue;
    statements.push({
      key,
      value,
      start: indices[1] ? indices[1][0] : keyStart,
      separatorEnd,
      valueStart,
      valueEnd,
      exported: indices[1] !== undefined,
    });
  }
  return statements;
}

function expandDoubleQuoted(content: string): string {
  return content.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
}

interface Normalized {
  text: string;
  /** Original offset of each normalised offset (and of the end), or `undefined` when nothing changed. */
  offsets: number[] | undefined;
}

function normalizeLineBreaks(original: string): Normalized {
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

// ---------------------------------------------------------------------------
// Writing values

type Style = "bare" | "single" | "double" | "backtick";

interface Encoding {
  style: Style;
  text: string;
}

/**
 * Every encoding of `value` that `dotenv` reads back byte-for-byte whatever
 * lines follow it, shortest first (ties: bare, single, double, backtick),
 * or why there is none.
 */
function encodeValue(value: string): { encodings: Encoding[]; reason: string } {
  if (hasLoneSurrogate(value)) {
    return {
      encodings: [],
      reason: "it contains an unpaired UTF-16 surrogate, which a UTF-8 file cannot hold",
    };
  }
  const encodings: Encoding[] = [];
  const needsQuotes = whyQuotesAreNeeded(value);
  if (needsQuotes === undefined) encodings.push({ style: "bare", text: value });

  const failures: string[] = [];
  const single = literalQuoteProblem(value, "'");
  if (single === undefined) encodings.push({ style: "single", text: `'${value}'` });
  else failures.push(`single quotes ${single}`);

  const escaped = value.replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  const double = doubleQuoteProblem(value, escaped);
  if (double === undefined) encodings.push({ style: "double", text: `"${escaped}"` });
  else failures.push(`double quotes ${double}`);

  const backtick = literalQuoteProblem(value, "`");
  if (backtick === undefined) encodings.push({ style: "backtick", text: `\`${value}\`` });
  else failures.push(`backticks ${backtick}`);

  const order: Style[] = ["bare", "single", "double", "backtick"];
  encodings.sort((a, b) => a.text.length - b.text.length || order.indexOf(a.style) - order.indexOf(b.style));
  return {
    encodings,
    reason: `dotenv cannot represent it: it needs quotes because ${needsQuotes}, but ${failures.join(", ")}`,
  };
}

/** Why a value cannot be written bare, or `undefined` when it can. */
function whyQuotesAreNeeded(value: string): string | undefined {
  // `KEY=` would read a quoted string from the next line if one started there.
  if (value === "") return "it is empty";
  if (value.trim() !== value) return "it starts or ends with whitespace";
  if (value.includes("#")) return "it contains '#'";
  if (/[\n\r\u2028\u2029]/.test(value)) return "it contains a line break";
  if (/^['"`]/.test(value)) return "it starts with a quote";
  return undefined;
}

/** Why single quotes or backticks (which keep their content literally) cannot hold a value. */
function literalQuoteProblem(value: string, quote: "'" | "`"): string | undefined {
  if (value.includes("\r")) return "cannot hold a carriage return";
  if (value.endsWith("\\")) return "cannot end with a backslash (it would escape the closing quote)";
  if (hasUnescapedQuote(value, quote))
    return `cannot hold the ${quote === "'" ? "single quote" : "backtick"} it contains`;
  return undefined;
}

function doubleQuoteProblem(value: string, escaped: string): string | undefined {
  if (expandDoubleQuoted(escaped) !== value) return "would turn a literal \\n or \\r in it into a line break";
  if (escaped.endsWith("\\")) return "cannot end with a backslash (it would escape the closing quote)";
  if (hasUnescapedQuote(escaped, '"')) return "cannot hold the double quote it contains";
  return undefined;
}

/** A quote not preceded by a backslash would end the quoted value early. */
function hasUnescapedQuote(content: string, quote: string): boolean {
  for (let i = content.indexOf(quote); i !== -1; i = content.indexOf(quote, i + 1)) {
    if (i === 0 || content[i - 1] !== "\\") return true;
  }
  return false;
}

const ANY_SURROGATE = /[\ud800-\udfff]/;

function hasLoneSurrogate(value: string): boolean {
  if (!ANY_SURROGATE.test(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (code >= 0xdc00 && code <= 0xdfff) return true;
  }
  return false;
}

/** Whether `formatDotenvValue` can write `value` so that `dotenv` reads it back unchanged. */
export function canFormatDotenvValue(value: string): boolean {
  return typeof value === "string" && encodeValue(value).encodings.length > 0;
}

/**
 * The shortest encoding of `value` that `dotenv` reads back byte-for-byte, in
 * any file: bare when that is safe, else single quotes, double quotes (the only
 * style that can hold a carriage return, as `\r`) or backticks. An empty value
 * is written `''`, because a bare `KEY=` would take a quoted string on the next
 * line as its value.
 *
 * @param name Used in the error message only.
 * @throws InvalidSecretValueError when no encoding can hold the value (for example
 *   all three quote characters together with a character that needs quoting). The
 *   message says what cannot be represented, never the value.
 */
export function formatDotenvValue(value: string, name = "value"): string {
  if (typeof value !== "string")
    throw new InvalidSecretValueError(undefined, { secret: name, reason: "a value must be a string" });
  // Bare, when possible, is always the shortest encoding.
  if (!hasLoneSurrogate(value) && whyQuotesAreNeeded(value) === undefined) return value;
  const { encodings, reason } = encodeValue(value);
  const best = encodings[0];
  if (!best) throw new InvalidSecretValueError(undefined, { secret: name, reason });
  return best.text;
}

function assertDotenvKey(name: string): void {
  if (typeof name !== "string" || !KEY.test(name))
    throw new InvalidSecretNameError(undefined, {
      name,
      reason: "a dotenv key uses letters, digits, '_', '.' and '-' only",
    });
  if (name === "__proto__")
    throw new InvalidSecretNameError(undefined, {
      name,
      reason: "dotenv drops this key when it reads the file",
    });
}

/** `NAME=value`, with the value encoded by `formatDotenvValue` (no line break at the end). */
export function formatDotenvLine(name: string, value: string): string {
  assertDotenvKey(name);
  return `${name}=${formatDotenvValue(value, name)}`;
}

// ---------------------------------------------------------------------------
// Editing documents

export interface DotenvDocumentOptions extends DotenvParseOptions {
  /**
   * Makes a comment line `# <prefix> <text>` directly above an assignment that
   * assignment's annotation: `annotation(name)` returns `<text>`, `set` can
   * write or remove it, and `delete` removes it together with the assignment.
   * For example `"secrets:"`.
   */
  annotationPrefix?: string | undefined;
}

export interface DotenvSetOptions {
  /** With `annotationPrefix`: the annotation to write, `null` to remove it, `undefined` to leave it as it is. */
  annotation?: string | null | undefined;
}

interface Analysis {
  normalized: Normalized;
  statements: Statement[];
  values: Map<string, string>;
}

type Splice = readonly [start: number, end: number, replacement: string];

/**
 * A line-preserving dotenv editor. Reads agree with `dotenv.parse`; `set` and
 * `delete` change only the assignment concerned (and its annotation line),
 * keeping every other byte (comments, blank lines, `export ` prefixes, order,
 * line endings) as it was.
 *
 * Duplicate keys: as with `dotenv`, the last assignment is the one in effect.
 * `set` rewrites that one in place and removes the earlier ones, so an old
 * value does not linger in the file; `delete` removes them all.
 *
 * Every edit is checked by parsing the result again: if anything other than
 * the one key would change (which a hand-made file with an unterminated quote
 * can provoke), a safer placement is tried, and failing that a
 * `SecretConfigError` is thrown and the document is left unchanged.
 */
export class DotenvDocument {
  #text: string;
  #analysis: Analysis;
  readonly #prefix: string | undefined;

  private constructor(text: string, options: DotenvDocumentOptions) {
    assertLength(text, options.maxLength);
    this.#text = text;
    this.#analysis = analyze(text);
    const prefix = options.annotationPrefix;
    if (prefix !== undefined && (prefix.trim() === "" || /[\n\r\u2028\u2029]/.test(prefix)))
      throw new SecretConfigError("The dotenv annotation prefix must be a non-empty single line", {
        field: "annotationPrefix",
      });
    this.#prefix = prefix?.trim();
  }

  static parse(text: string, options: DotenvDocumentOptions = {}): DotenvDocument {
    return new DotenvDocument(text, options);
  }

  /** The value `dotenv` would read for `name`. */
  get(name: string): string | undefined {
    return this.#analysis.values.get(name);
  }

  has(name: string): boolean {
    return this.#analysis.values.has(name);
  }

  /** Keys in order of first appearance. */
  names(): string[] {
    return [...this.#analysis.values.keys()];
  }

  /** All values, as `parseDotenv` returns them. */
  toMap(): Map<string, string> {
    return new Map(this.#analysis.values);
  }

  /** The annotation of `name`'s assignment in effect (see `annotationPrefix`). */
  annotation(name: string): string | undefined {
    const statement = this.#effective(this.#analysis, name);
    if (!statement) return undefined;
    return annotationLine(this.#analysis, statement, this.#prefix)?.text;
  }

  /** Assign `value` to `name`: in place if it is assigned already, else appended at the end. */
  set(name: string, value: string, options: DotenvSetOptions = {}): void {
    assertDotenvKey(name);
    if (typeof value !== "string")
      throw new InvalidSecretValueError(undefined, { secret: name, reason: "a value must be a string" });
    const { encodings, reason } = encodeValue(value);
    if (encodings.length === 0) throw new InvalidSecretValueError(undefined, { secret: name, reason });
    const annotation = options.annotation;
    if (annotation !== undefined && annotation !== null) {
      if (this.#prefix === undefined)
        throw new SecretConfigError("Annotations need a document parsed with annotationPrefix", {
          field: "annotationPrefix",
        });
      if (/[\n\r\u2028\u2029]/.test(annotation))
        throw new InvalidSecretValueError(undefined, {
          secret: name,
          reason: "an annotation must be a single line",
        });
    }

    const analysis = this.#analysis;
    const eol = this.#eol();
    const all = analysis.statements.filter((s) => s.key === name);
    const effective = all.at(-1);
    const earlier = all.slice(0, -1);
    const expected = new Map(analysis.values).set(name, value);
    const candidates: Splice[][] = [];
    const lines = (text: string) => (eol === "\n" ? text : text.replace(/\n/g, eol));

    if (effective) {
      const removeEarlier = earlier.flatMap(
        (s) => this.#removal(analysis, s, true) ?? this.#removal(analysis, s, false)!,
      );
      const annotationEdits = this.#annotationEdits(analysis, effective, annotation, eol);
      const gap = analysis.normalized.text.slice(effective.separatorEnd, effective.valueStart);
      const keepGap = /^[^\S\n\r\u2028\u2029]*$/.test(gap);
      for (const encoding of encodings) {
        candidates.push([
          ...removeEarlier,
          ...annotationEdits,
          [keepGap ? effective.valueStart : effective.separatorEnd, effective.valueEnd, lines(encoding.text)],
        ]);
      }
      for (const encoding of encodings) {
        candidates.push([
          ...removeEarlier,
          ...annotationEdits,
          [
            effective.start,
            effective.valueEnd,
            `${effective.exported ? "export " : ""}${name}=${lines(encoding.text)}`,
          ],
        ]);
      }
    }
    const removeAll = all.flatMap(
      (s) => this.#removal(analysis, s, true) ?? this.#removal(analysis, s, false)!,
    );
    const body = analysis.normalized.text;
    const separator = body === "" || body.endsWith("\n") ? "" : eol;
    // Appending moves the assignment: an annotation the caller did not ask to change moves with it.
    const carried =
      annotation === undefined && effective
        ? annotationLine(analysis, effective, this.#prefix)?.text
        : annotation;
    const annotationText =
      carried !== undefined && carried !== null ? `${this.#annotationText(carried)}${eol}` : "";
    for (const encoding of encodings) {
      candidates.push([
        ...removeAll,
        [body.length, body.length, `${separator}${annotationText}${name}=${lines(encoding.text)}${eol}`],
      ]);
    }

    this.#commit(
      candidates,
      (next) => {
        if (!sameValues(next.values, expected)) return false;
        if (annotation === undefined) return true;
        const statement = this.#effective(next, name);
        const found = statement ? annotationLine(next, statement, this.#prefix)?.text : undefined;
        return annotation === null ? found === undefined : found === annotation.trim();
      },
      name,
      effective,
    );
  }

  /** Remove every assignment of `name` (and its annotation). `true` if there was one. */
  delete(name: string): boolean {
    const analysis = this.#analysis;
    const all = analysis.statements.filter((s) => s.key === name);
    if (all.length === 0) return false;
    const expected = new Map(analysis.values);
    expected.delete(name);
    const wholeLines = all.map((s) => this.#removal(analysis, s, true));
    const candidates: Splice[][] = [];
    if (wholeLines.every((r) => r !== undefined)) candidates.push(wholeLines.flat() as Splice[]);
    candidates.push(all.flatMap((s) => this.#removal(analysis, s, false)!));
    this.#commit(candidates, (next) => sameValues(next.values, expected), name, all.at(-1));
    return true;
  }

  /** The document's text. */
  toString(): string {
    return this.#text;
  }

  #effective(analysis: Analysis, name: string): Statement | undefined {
    for (let i = analysis.statements.length - 1; i >= 0; i--) {
      const statement = analysis.statements[i] as Statement;
      if (statement.key === name) return statement;
    }
    return undefined;
  }

  #eol(): string {
    return this.#text.includes("\r\n") ? "\r\n" : "\n";
  }

  #annotationText(annotation: string): string {
    const text = annotation.trim();
    return `# ${this.#prefix}${text === "" ? "" : ` ${text}`}`;
  }

  /** Splices that write, replace or remove the annotation line of `statement`. */
  #annotationEdits(
    analysis: Analysis,
    statement: Statement,
    annotation: string | null | undefined,
    eol: string,
  ): Splice[] {
    if (annotation === undefined || this.#prefix === undefined) return [];
    const existing = annotationLine(analysis, statement, this.#prefix);
    if (annotation === null) return existing ? [[existing.start, existing.end + 1, ""]] : [];
    if (existing) return [[existing.start, existing.end, this.#annotationText(annotation)]];
    const lineStart = lineStartOf(analysis.normalized.text, statement.start);
    return [[lineStart, lineStart, `${this.#annotationText(annotation)}${eol}`]];
  }

  /**
   * Splices that remove one assignment: its whole line(s) with the annotation
   * above (`wholeLines`, only when nothing else shares those lines), or just
   * the assignment's own text.
   */
  #removal(analysis: Analysis, statement: Statement, wholeLines: boolean): Splice[] | undefined {
    const text = analysis.normalized.text;
    const annotation =
      this.#prefix === undefined ? undefined : annotationLine(analysis, statement, this.#prefix);
    const splices: Splice[] = annotation ? [[annotation.start, annotation.end + 1, ""]] : [];
    if (!wholeLines) return [...splices, [statement.start, statement.valueEnd, ""]];
    const start = lineStartOf(text, statement.start);
    const newline = text.indexOf("\n", statement.valueEnd);
    const lineEnd = newline === -1 ? text.length : newline;
    const before = text.slice(start, statement.start);
    const after = text.slice(statement.valueEnd, lineEnd);
    if (before.trim() !== "" || /[\u2028\u2029]/.test(before + after)) return undefined;
    const rest = after.trimStart();
    if (rest !== "" && !rest.startsWith("#")) return undefined;
    return [...splices, [start, newline === -1 ? lineEnd : newline + 1, ""]];
  }

  /** Apply the first candidate whose result passes `verify`, or throw and keep the document unchanged. */
  #commit(
    candidates: Splice[][],
    verify: (next: Analysis) => boolean,
    name: string,
    statement: Statement | undefined,
  ): void {
    for (const splices of candidates) {
      const text = applySplices(this.#text, this.#analysis.normalized, splices);
      if (text === undefined) continue;
      const next = analyze(text);
      if (verify(next)) {
        this.#text = text;
        this.#analysis = next;
        return;
      }
    }
    const line = statement ? lineNumberOf(this.#analysis.normalized.text, statement.start) : undefined;
    throw new SecretConfigError(
      `Cannot change '${name}' without changing other entries of the dotenv file${
        line === undefined ? "" : ` (see line ${line})`
      }: an unterminated quote or similar makes the file ambiguous; fix it by hand`,
      line === undefined ? {} : { field: `line ${line}` },
    );
  }
}

function analyze(text: string): Analysis {
  const normalized = normalizeLineBreaks(text);
  const statements = scan(normalized.text);
  const values = new Map<string, string>();
  for (const statement of statements) values.set(statement.key, statement.value);
  return { normalized, statements, values };
}

function sameValues(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function lineNumberOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** The comment line directly above `statement`, when it is an annotation (and part of no assignment). */
function annotationLine(
  analysis: Analysis,
  statement: Statement,
  prefix: string | undefined,
): { start: number; end: number; text: string } | undefined {
  if (prefix === undefined) return undefined;
  const text = analysis.normalized.text;
  const lineStart = lineStartOf(text, statement.start);
  if (lineStart === 0 || text.slice(lineStart, statement.start).trim() !== "") return undefined;
  const end = lineStart - 1;
  const start = lineStartOf(text, end);
  const line = text.slice(start, end);
  const comment = line.trimStart();
  if (!comment.startsWith("#")) return undefined;
  const body = comment.slice(1).trimStart();
  if (!body.startsWith(prefix) || /[\u2028\u2029]/.test(line)) return undefined;
  const rest = body.slice(prefix.length);
  if (rest !== "" && !/^\s/.test(rest)) return undefined;
  if (analysis.statements.some((s) => s.start < end && s.valueEnd > start)) return undefined;
  return { start, end, text: rest.trim() };
}

/** Apply splices given in normalised offsets to the original text. */
function applySplices(
  original: string,
  normalized: Normalized,
  splices: readonly Splice[],
): string | undefined {
  const sorted = [...splices].sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  for (let i = 1; i < sorted.length; i++) {
    const later = sorted[i - 1] as Splice;
    const earlier = sorted[i] as Splice;
    if (earlier[1] > later[0]) return undefined;
  }
  const at = (offset: number) => (normalized.offsets ? (normalized.offsets[offset] as number) : offset);
  let text = original;
  for (const [start, end, replacement] of sorted)
    text = text.slice(0, at(start)) + replacement + text.slice(at(end));
  return text;
}
