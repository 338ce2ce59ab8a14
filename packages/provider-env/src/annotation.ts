// The `# secrets: updated=… key=value` comment line that holds an assignment's metadata: reading, checking, writing.

import { InvalidSecretValueError } from "@org/secrets-core/provider";

/** The comment line above an assignment that holds its metadata: `# secrets: updated=… rotatedAt=…`. */
export const ANNOTATION_PREFIX = "secrets:";

const UPDATED = "updated";
const METADATA_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const METADATA_VALUE = /^[\w.:+-]{1,256}$/;

export interface Annotation {
  updatedAt: Date | undefined;
  metadata: Record<string, string>;
}

/** Read an annotation's `key=value` pairs; anything malformed is ignored. */
export function parseAnnotation(text: string | undefined): Annotation {
  // Keys come from the file: a null-prototype object, so `__proto__` or `constructor` are plain keys.
  const annotation: Annotation = { updatedAt: undefined, metadata: Object.create(null) };
  if (text === undefined) return annotation;
  for (const token of text.split(/\s+/)) {
    const eq = token.indexOf("=");
    if (eq <= 0) continue;
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (!METADATA_KEY.test(key) || !METADATA_VALUE.test(value)) continue;
    if (key === UPDATED) {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) annotation.updatedAt = date;
    } else {
      annotation.metadata[key] = value;
    }
  }
  return annotation;
}

/**
 * Check metadata given to `set`. Values are not secret, but they go into a
 * comment line, so keys and values are restricted to a safe alphabet.
 */
export function validateMetadata(secret: string, metadata: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (key === UPDATED)
      throw new InvalidSecretValueError(undefined, {
        secret,
        reason: `metadata key '${UPDATED}' is reserved for the time of the last write`,
      });
    if (!METADATA_KEY.test(key))
      throw new InvalidSecretValueError(undefined, {
        secret,
        reason: `metadata key ${JSON.stringify(key.slice(0, 64))} must be a letter or '_' followed by up to 63 letters, digits, '_', '.' or '-'`,
      });
    if (typeof value !== "string" || !METADATA_VALUE.test(value))
      throw new InvalidSecretValueError(undefined, {
        secret,
        reason: `metadata '${key}' must be 1 to 256 characters of letters, digits, '_', '.', ':', '+' or '-'`,
      });
  }
}

export function formatAnnotation(updatedAt: Date, metadata: Readonly<Record<string, string>>): string {
  let text = `${UPDATED}=${updatedAt.toISOString()}`;
  for (const [key, value] of Object.entries(metadata)) text += ` ${key}=${value}`;
  return text;
}
