// The `json` format: an object of strings.

import type { SecretEntries } from "./entries.js";
import { toPairs } from "./entries.js";

/** A JSON object of strings, two-space indented, with a trailing newline; keys in the caller's order. */
export function formatJson(entries: SecretEntries): string {
  // A null-prototype object with own properties: `__proto__` and `constructor` are ordinary keys.
  const object: Record<string, string> = Object.create(null);
  for (const [name, value] of toPairs(entries)) object[name] = value;
  return `${JSON.stringify(object, null, 2)}\n`;
}
