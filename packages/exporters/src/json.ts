import type { SecretEntries } from "./entries.js";
import { toPairs } from "./entries.js";

/** A JSON object of strings, two-space indented, with a trailing newline; keys in the caller's order. */
export function formatJson(entries: SecretEntries): string {
  // fromEntries defines own properties, so a name such as `__proto__` stays an ordinary key.
  return `${JSON.stringify(Object.fromEntries(toPairs(entries)), null, 2)}\n`;
}
