// The `shell` format: POSIX `export NAME='value'` lines.

import { InvalidSecretValueError, isWellFormedText } from "@org/secrets-core/provider";
import type { SecretEntries } from "./entries.js";
import { toPairs } from "./entries.js";

/**
 * POSIX shell: `export NAME='value'` lines, to be sourced with `. ./file`.
 * Inside single quotes every character is literal except `'` itself, which is
 * written as `'\''` (close, escaped quote, reopen); newlines stay inside the
 * quotes. Only NUL (no shell variable can hold it) and lone UTF-16 surrogates
 * (not encodable as UTF-8) are refused.
 */
export function formatShell(entries: SecretEntries): string {
  let out = "";
  for (const [name, value] of toPairs(entries)) out += `export ${name}=${quoteShell(name, value)}\n`;
  return out;
}

/** A single-quoted POSIX shell word whose value is exactly `value`. */
export function quoteShell(name: string, value: string): string {
  if (value.includes("\0"))
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason: "a shell variable cannot hold a NUL character",
    });
  if (!isWellFormedText(value))
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason: "the value is not valid Unicode text (lone surrogate)",
    });
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
