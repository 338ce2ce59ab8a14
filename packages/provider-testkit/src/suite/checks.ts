// Assertion helpers the groups share: readable string diffs, everything an
// error shows, versions after a write, and a provider proxy counting calls.
import { inspect } from "node:util";
import type { SecretProvider } from "@org/secrets-core";
import { expect } from "vitest";
import type { Client } from "./session.js";

/**
 * Everything a person, a log or an error reporter could see of an error:
 * message, stack, JSON, inspect output (hidden fields and getters included),
 * for the error, every error in its cause chain and every error an
 * `AggregateError` holds (at most 64 errors, breadth first).
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 64) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof Error) parts.push(current.message, String(current.stack));
    else parts.push(String(current));
    try {
      parts.push(JSON.stringify(current) ?? "");
    } catch {
      // Circular or otherwise unserialisable: inspect below still shows its fields.
    }
    try {
      parts.push(
        inspect(current, {
          depth: 8,
          breakLength: Number.POSITIVE_INFINITY,
          showHidden: true,
          getters: true,
        }),
      );
    } catch {
      parts.push(inspect(current, { depth: 8, breakLength: Number.POSITIVE_INFINITY }));
    }
    if (typeof current === "object") {
      queue.push(readField(current, "cause"));
      const errors = readField(current, "errors");
      if (Array.isArray(errors)) queue.push(...errors.slice(0, 16));
    }
  }
  return parts.join("\n");
}

/** Fields that hold what was sent or received: a backend answer or a request may carry a value or a token. */
export const TRANSPORT_FIELDS: readonly string[] = ["body", "request", "response", "headers", "config"];

/** `where: field` for each transport field (own, hidden ones too) on the error or an error of its cause chain. */
export function transportFields(error: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const queue: Array<{ at: unknown; where: string }> = [{ at: error, where: "error" }];
  while (queue.length > 0 && seen.size < 64) {
    const next = queue.shift();
    if (!next || typeof next.at !== "object" || next.at === null || seen.has(next.at)) continue;
    seen.add(next.at);
    for (const field of TRANSPORT_FIELDS)
      if (Object.hasOwn(next.at, field)) found.push(`${next.where}.${field}`);
    queue.push({ at: readField(next.at, "cause"), where: `${next.where}.cause` });
    const errors = readField(next.at, "errors");
    if (Array.isArray(errors))
      errors.slice(0, 16).forEach((at, i) => {
        queue.push({ at, where: `${next.where}.errors[${i}]` });
      });
  }
  return found;
}

function readField(object: object, field: string): unknown {
  try {
    return (object as Record<string, unknown>)[field];
  } catch {
    return undefined;
  }
}

/**
 * The forms in which a value may leak: itself, its first and last 16
 * characters, and its base64, base64url, hex and URL encodings (base64 at
 * each of the three alignments it can have inside a longer encoded text).
 */
export function leakForms(value: string): string[] {
  const forms = new Set<string>([value]);
  if (value.length >= 16) {
    forms.add(value.slice(0, 16));
    forms.add(value.slice(-16));
  }
  const bytes = Buffer.from(value);
  for (let pad = 0; pad < 3; pad++) {
    const padded = Buffer.concat([Buffer.alloc(pad), bytes]);
    for (const encoding of ["base64", "base64url"] as const) {
      // Leave out the characters that also depend on the bytes around the value.
      const encoded = padded.toString(encoding).replace(/=+$/, "");
      const start = Math.ceil((pad * 4) / 3) + 1;
      forms.add(encoded.slice(start, start + 16));
    }
  }
  forms.add(bytes.toString("hex").slice(0, 32));
  forms.add(encodeURIComponent(value).slice(0, 24));
  return [...forms].filter((form) => form.length >= 12 || form === value);
}

/** The first form of `value` that `text` holds, or `undefined`. */
export function findLeak(text: string, value: string): string | undefined {
  return leakForms(value).find((form) => text.includes(form));
}

/** Compare strings so a failure shows where they differ, not two 4 KiB blobs. */
export function expectSameString(actual: string, expected: string): void {
  if (actual === expected) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  expect.fail(
    `value differs at UTF-16 index ${at} (lengths ${actual.length} vs ${expected.length}): ` +
      `got ${JSON.stringify(actual.slice(at, at + 16))}, expected ${JSON.stringify(expected.slice(at, at + 16))}`,
  );
}

export async function versionAfterWrite(client: Client, name: string, value: string): Promise<string> {
  const result = await client.set(name, value);
  const version = result?.version ?? (await client.get(name))?.version;
  if (typeof version !== "string")
    expect.fail("a checkAndSet provider must report versions: in set()'s result or in get()'s record");
  return version;
}

/** A provider wrapper that counts calls of each method. */
export function countingProxy(target: SecretProvider): {
  provider: SecretProvider;
  calls: Record<string, number>;
} {
  const calls: Record<string, number> = {};
  const provider = new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        if (["get", "set", "delete", "getMany", "list"].includes(property))
          calls[property] = (calls[property] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return { provider, calls };
}
