import { formatDotenvLine } from "@org/secrets-core/dotenv";
import type { SecretEntries } from "./entries.js";
import { toPairs } from "./entries.js";

/**
 * dotenv syntax, one `NAME=value` line per secret, quoted and escaped by core's
 * dotenv codec so the `dotenv` package (and core's own parser) read every value
 * back exactly. A value dotenv cannot represent throws `InvalidSecretValueError`
 * naming the secret, before anything is returned.
 */
export function formatEnv(entries: SecretEntries): string {
  let out = "";
  for (const [name, value] of toPairs(entries)) out += `${formatDotenvLine(name, value)}\n`;
  return out;
}
