// The `env` format: dotenv lines written by the dotenv codec.

import { InvalidSecretValueError } from "@org/secrets-core/provider";
import { encodeValue, formatDotenvLine } from "./dotenv/format.js";
import type { SecretEntries } from "./entries.js";
import { toPairs } from "./entries.js";

/**
 * dotenv syntax, one `NAME=value` line per secret, quoted and escaped by the
 * dotenv codec (`./dotenv`) so the `dotenv` package (and the codec's own parser)
 * read every value back exactly. A value dotenv cannot represent throws `InvalidSecretValueError`
 * naming the secret, before anything is returned.
 *
 * Two choices keep other readers safe: a value holding `$` is single-quoted
 * when it can be, because Docker Compose (and a shell, should one source the
 * file) expands `$VAR`, `${VAR}` and `$(cmd)` in bare and double-quoted values
 * but not in single quotes (unless it holds two backslashes in a row, which
 * python-dotenv reads as one in single quotes); and a multi-line value that
 * only backticks could hold is refused when a line of it reads as `NAME=...`,
 * `NAME: ...` or a bare `NAME`: readers other than the `dotenv` package
 * (python-dotenv, Docker Compose) do not take backticks as quotes, and would
 * set a variable of that name.
 */
export function formatEnv(entries: SecretEntries): string {
  let out = "";
  for (const [name, value] of toPairs(entries)) out += `${envLine(name, value)}\n`;
  return out;
}

/**
 * A line a reader that knows no backtick quoting takes as a statement of its
 * own: `NAME=value`, `NAME: value` or a bare `NAME` (which Docker Compose fills
 * from its own environment), with or without `export`, the name quoted or not.
 */
const STATEMENT = /^\s*(?:export\s+)?(?:'[^']*'|"[^"]*"|[^\s=:#]+)\s*(?:[=:]|$)/;

/** Whether a line of `value` after its first would be read as a statement of its own outside backticks. */
function linesReadAsStatements(value: string): boolean {
  return value
    .split(/\r\n|[\n\r\u2028\u2029]/)
    .slice(1)
    .some((line) => STATEMENT.test(line));
}

function envLine(name: string, value: string): string {
  // The codec checks the key and refuses what no form can hold.
  const line = formatDotenvLine(name, value);
  const text = line.slice(name.length + 1);
  if (text.startsWith("`") && linesReadAsStatements(value))
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason:
        "dotenv could hold it only in backticks, which readers other than the dotenv package (python-dotenv, Docker Compose) do not take as quotes: a line of it would be read as a variable of its own",
    });
  // Not with two backslashes in a row: python-dotenv reads them as one in single quotes.
  if (value.includes("$") && !value.includes("\\\\") && !text.startsWith("'")) {
    const single = encodeValue(value).encodings.find((encoding) => encoding.style === "single");
    if (single !== undefined) return `${name}=${single.text}`;
  }
  return line;
}
