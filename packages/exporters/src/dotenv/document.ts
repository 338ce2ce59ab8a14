// Editing documents: `DotenvDocument`, a line-preserving editor that checks every edit by parsing it again.

import { InvalidSecretValueError, SecretConfigError } from "@org/secrets-core/provider";
import {
  type Analysis,
  analyze,
  annotationLine,
  applySplices,
  lineNumberOf,
  lineStartOf,
  type Splice,
  sameValues,
} from "./analysis.js";
import { assertDotenvKey, encodeValue } from "./format.js";
import { assertLength, type DotenvParseOptions, type Statement } from "./parse.js";

const BOM = "\ufeff";

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

  /**
   * The line break the document uses, which its edits write: CRLF when it has
   * one, a lone CR when it has only those (as old Mac files do), else LF.
   */
  get lineEnding(): "\r\n" | "\r" | "\n" {
    const text = this.#text;
    if (text.includes("\r\n")) return "\r\n";
    return text.includes("\r") && !text.includes("\n") ? "\r" : "\n";
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
    return this.lineEnding;
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
    const text = analysis.normalized.text;
    // A byte-order mark stays the file's first character, where readers that strip it look for it.
    const afterMark = (offset: number) => (offset === 0 && text.startsWith(BOM) ? BOM.length : offset);
    const existing = annotationLine(analysis, statement, this.#prefix);
    if (annotation === null) return existing ? [[afterMark(existing.start), existing.end + 1, ""]] : [];
    if (existing) return [[afterMark(existing.start), existing.end, this.#annotationText(annotation)]];
    const lineStart = afterMark(lineStartOf(text, statement.start));
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
