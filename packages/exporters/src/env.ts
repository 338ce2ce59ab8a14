// The `env` format: dotenv lines written by the dotenv codec.

import { formatDotenvLine } from "./dotenv/format.js";
import type { SecretEntries } from "./entries.js";
import { toPairs } from "./entries.js";

/**
 * dotenv syntax, one `NAME=value` line per secret, quoted and escaped by the
 * dotenv codec (`./dotenv`) so the `dotenv` package (and the codec's own parser)
 * read every value back exactly. A value dotenv cannot represent throws `InvalidSecretValueError`
 * naming the secret, before anything is returned.
 */
export function formatEnv(entries: SecretEntries): string {
  let out = "";
  for (const [name, value] of toPairs(entries)) out += `${formatDotenvLine(name, value)}\n`;
  return out;
}
