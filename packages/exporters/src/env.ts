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
 * python-dotenv reads as one in single quotes); and a value with a line break
 * that only backticks could hold is refused, because readers other than the
 * `dotenv` package (python-dotenv, Docker Compose) do not take backticks as
 * quotes and would read each of its lines as an assignment of its own.
 */
export function formatEnv(entries: SecretEntries): string {
  let out = "";
  for (const [name, value] of toPairs(entries)) out += `${envLine(name, value)}\n`;
  return out;
}

const LINE_BREAK = /[\n\r\u2028\u2029]/;

function envLine(name: string, value: string): string {
  // The codec checks the key and refuses what no form can hold.
  const line = formatDotenvLine(name, value);
  const text = line.slice(name.length + 1);
  if (text.startsWith("`") && LINE_BREAK.test(value))
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason:
        "dotenv could hold it only in backticks, which readers other than the dotenv package (python-dotenv, Docker Compose) do not take as quotes: each of its lines would be read as an assignment of its own",
    });
  // Not with two backslashes in a row: python-dotenv reads them as one in single quotes.
  if (value.includes("$") && !value.includes("\\\\") && !text.startsWith("'")) {
    const single = encodeValue(value).encodings.find((encoding) => encoding.style === "single");
    if (single !== undefined) return `${name}=${single.text}`;
  }
  return line;
}
