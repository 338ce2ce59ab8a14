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
 *
 * This file is the `@org/secrets-core/dotenv` entry and the document editor;
 * reading is dotenv-parse.ts, writing values dotenv-format.ts.
 */
import {
  assertDotenvKey,
  canFormatDotenvValue,
  encodeValue,
  formatDotenvLine,
  formatDotenvValue,
} from "./dotenv-format.js";
import {
  assertLength,
  DEFAULT_DOTENV_MAX_LENGTH,
  type DotenvParseOptions,
  isDotenvKey,
  type Normalized,
  normalizeLineBreaks,
  parseDotenv,
  type Statement,
  scan,
} from "./dotenv-parse.js";
import { InvalidSecretValueError, SecretConfigError } from "./errors.js";

export {
  canFormatDotenvValue,
  DEFAULT_DOTENV_MAX_LENGTH,
  type DotenvParseOptions,
  formatDotenvLine,
  formatDotenvValue,
  isDotenvKey,
  parseDotenv,
};

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
