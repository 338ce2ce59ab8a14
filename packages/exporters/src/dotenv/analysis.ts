// Offsets and lines of a parsed dotenv text: the analysis an edit works on,
// annotation lines, and splices applied back to the original text.

import { type Normalized, normalizeLineBreaks, type Statement, scan } from "./parse.js";

export interface Analysis {
  normalized: Normalized;
  statements: Statement[];
  values: Map<string, string>;
}

export type Splice = readonly [start: number, end: number, replacement: string];

export function analyze(text: string): Analysis {
  const normalized = normalizeLineBreaks(text);
  const statements = scan(normalized.text);
  const values = new Map<string, string>();
  for (const statement of statements) values.set(statement.key, statement.value);
  return { normalized, statements, values };
}

export function sameValues(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

export function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

export function lineNumberOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** The comment line directly above `statement`, when it is an annotation (and part of no assignment). */
export function annotationLine(
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
export function applySplices(
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
