// One or many writes applied to the parsed file under the lock: the check-and-set tests and their annotations.

import {
  SecretConflictError,
  valueVersion,
  type WriteEntry,
  type WriteOptions,
} from "@org/secrets-core/provider";
import { type DotenvDocument, formatDotenvLine } from "@org/secrets-exporters/dotenv";
import { ANNOTATION_PREFIX, formatAnnotation, parseAnnotation } from "./annotation.js";
import { PROVIDER } from "./options.js";

/** What a write needs besides the document. */
export interface WriteContext {
  /** The environment's value of `name`, which a check-and-set also compares against. */
  envValue(name: string): string | undefined;
  now(): Date;
  parse(text: string): DotenvDocument;
}

type Options = Omit<WriteOptions, "signal">;

/** Why a write's check fails against what the environment and the file hold now (under the lock), if it does. */
export function refusal(
  context: WriteContext,
  document: DotenvDocument,
  name: string,
  options: Options,
): SecretConflictError | undefined {
  const current = context.envValue(name) ?? document.get(name);
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
export function applyWrite(
  context: WriteContext,
  document: DotenvDocument,
  name: string,
  value: string,
  options: Options,
): void {
  const refused = refusal(context, document, name, options);
  if (refused !== undefined) throw refused;
  const metadata = options.metadata ?? parseAnnotation(document.annotation(name)).metadata;
  document.set(name, value, { annotation: formatAnnotation(context.now(), metadata) });
}

/**
 * Append new assignments (each with its annotation) to the document in one
 * step, then check that the file reads back as intended: every earlier value
 * unchanged and every new one as given. If it does not (a last line that
 * leaves a quote open, say), each one is set on its own instead, which finds
 * an encoding that keeps the file unambiguous or fails.
 */
export function appendWrites(
  context: WriteContext,
  document: DotenvDocument,
  entries: readonly WriteEntry[],
): DotenvDocument {
  if (entries.length === 0) return document;
  const before = document.toString();
  const eol = before.includes("\r\n") ? "\r\n" : "\n";
  const now = context.now();
  const annotations = entries.map(({ options = {} }) => formatAnnotation(now, options.metadata ?? {}));
  let text = before === "" || before.endsWith("\n") ? before : `${before}${eol}`;
  entries.forEach(({ name, value }, i) => {
    text += `# ${ANNOTATION_PREFIX} ${annotations[i]}${eol}${formatDotenvLine(name, value)}${eol}`;
  });
  const next = context.parse(text);
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
