import { redact } from "@org/secrets-core";
import { secretErrorCode } from "./exit-codes.js";
import { oneLine } from "./output.js";

/** Marks an error whose JSON document is already on stdout, so `main` does not print a second one. */
export const REPORTED: unique symbol = Symbol("secrets.cli.reported");

/**
 * `{ code, message }` for `--json` output: a `SecretError`'s code and its
 * scrubbed one-line message; anything else a generic message and `UNEXPECTED`,
 * never its own message (which may carry a backend's body).
 */
export function errorSummary(error: unknown): { code: string; message: string } {
  const code = secretErrorCode(error);
  if (code !== undefined && error instanceof Error)
    return { code, message: oneLine(scrubText(error.message)).slice(0, 1000) };
  const name = error instanceof Error ? oneLine(error.name).slice(0, 80) : typeof error;
  return { code: "UNEXPECTED", message: `Unexpected failure (${name})` };
}

/** Core's redaction, plus the password of any URL with userinfo. */
export function scrubText(text: string): string {
  return redact(text).replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, "$1***@");
}
