// Assertion helpers the groups share: readable string diffs, everything an
// error shows, versions after a write, and a provider proxy counting calls.
import { inspect } from "node:util";
import type { SecretProvider } from "@org/secrets-core";
import { expect } from "vitest";
import type { Client } from "./session.js";

/** Everything a person or a log could see of an error: message, stack, JSON, inspect output, cause chain. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (
    let depth = 0;
    depth < 10 && current !== undefined && current !== null && !seen.has(current);
    depth++
  ) {
    seen.add(current);
    if (current instanceof Error) parts.push(current.message, String(current.stack));
    else parts.push(String(current));
    try {
      parts.push(JSON.stringify(current) ?? "");
    } catch {
      // Circular or otherwise unserialisable: inspect below still shows its fields.
    }
    parts.push(inspect(current, { depth: 8, breakLength: Number.POSITIVE_INFINITY }));
    current = typeof current === "object" ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join("\n");
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
