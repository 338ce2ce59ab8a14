/**
 * AWS's limits on a `SecretString`: 1 to 65 536 bytes of well-formed text.
 * Checked before anything is sent; messages give sizes, never the value.
 */
import { InvalidSecretValueError } from "@org/secrets-core/provider";
import { DISPLAY_NAME } from "./names.js";

/** The largest `SecretString` Secrets Manager stores, in UTF-8 bytes. */
export const MAX_SECRET_BYTES = 65_536;

/** Text that fits in a `SecretString` (emptiness is the layout's rule: a document field may be empty). */
export function checkValue(name: string, value: string): void {
  if (typeof value !== "string")
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason: `expected text, got ${value === null ? "null" : typeof value}`,
    });
  // In a `u` regular expression a surrogate pair is one code point: only a lone surrogate matches.
  if (/\p{Cs}/u.test(value))
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason:
        "it is not well-formed text (it holds a lone UTF-16 surrogate), which cannot be stored as UTF-8",
    });
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only long values need counting.
  if (value.length * 3 <= MAX_SECRET_BYTES) return;
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_SECRET_BYTES)
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason: `${DISPLAY_NAME} stores at most ${MAX_SECRET_BYTES} bytes a secret (this value has ${bytes} bytes in UTF-8)`,
    });
}
