// The secrets to export: checked names and values, in the caller's order.

import { InvalidSecretValueError } from "@org/secrets-core";
import { assertValidSecretName } from "@org/secrets-core/provider";

/** Secrets to export: a map or a plain object of name → value. Iteration order is output order. */
export type SecretEntries = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/**
 * The entries as `[name, value]` pairs in the caller's order, each name checked
 * to be a valid secret name and each value to be a string.
 */
export function toPairs(entries: SecretEntries): Array<[string, string]> {
  // Own enumerable string keys only, whatever the object's prototype: a name such
  // as `__proto__` or `constructor` is an ordinary entry, never an inherited one.
  const pairs: Array<[string, string]> =
    entries instanceof Map
      ? [...entries]
      : Object.keys(entries).map((name) => [name, (entries as Record<string, string>)[name] as string]);
  for (const [name, value] of pairs) {
    assertValidSecretName(name);
    if (typeof value !== "string")
      throw new InvalidSecretValueError(undefined, { secret: name, reason: "a value must be a string" });
  }
  return pairs;
}
