// One or many writes applied to the parsed file under the lock: the check-and-set tests and their annotations.

import {
  SecretConflictError,
  valueVersion,
  type WriteEntry,
  type WriteOptions,
} from "@org/secrets-core/provider";
import type { DotenvDocument } from "@org/secrets-exporters/dotenv";
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

/** A new assignment checked before the lock is taken: its entry and its line, `NAME=value`. */
export interface PreparedWrite {
  entry: WriteEntry;
  line: string;
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
  writes: readonly PreparedWrite[],
): DotenvDocument {
  if (writes.length === 0) return document;
  const before = document.toString();
  const eol = document.lineEnding;
  const now = context.now();
  // Writes usually share one metadata object: its annotation is formatted once.
  const annotationOf = new Map<object | undefined, string>();
  const annotations = writes.map(({ entry: { options = {} } }) => {
    let annotation = annotationOf.get(options.metadata);
    if (annotation === undefined) {
      annotation = formatAnnotation(now, options.metadata ?? {});
      annotationOf.set(options.metadata, annotation);
    }
    return annotation;
  });
  const parts: string[] = [before === "" || /[\r\n]$/.test(before) ? before : `${before}${eol}`];
  writes.forEach(({ line }, i) => {
    parts.push(`# ${ANNOTATION_PREFIX} ${annotations[i]}${eol}${line}${eol}`);
  });
  const next = context.parse(parts.join(""));
  // Every earlier name keeps its value, every new one reads back as given, and there is nothing else.
  const earlier = document.names();
  const intact =
    next.names().length === earlier.length + writes.length &&
    earlier.every((name) => next.get(name) === document.get(name)) &&
    writes.every(({ entry }) => next.get(entry.name) === entry.value) &&
    // Only the first annotation follows text we did not write: the others follow checked values of ours.
    next.annotation((writes[0] as PreparedWrite).entry.name) === annotations[0];
  if (intact) return next;
  writes.forEach(({ entry: { name, value } }, i) => {
    document.set(name, value, { annotation: annotations[i] });
  });
  return document;
}
