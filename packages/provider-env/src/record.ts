// Records with per-process HMAC versions, computed only when first read.

import { type SecretRecord, valueVersion, type WriteResult } from "@org/secrets-core/provider";

/**
 * A record whose version is computed when first read: `get` usually needs
 * only the value, and the version's HMAC is what loads `node:crypto`.
 */
export function recordOf(value: string): SecretRecord {
  let version: string | undefined;
  let known = false;
  return {
    value,
    get version() {
      if (!known) {
        version = valueVersion(value);
        known = true;
      }
      return version;
    },
    set version(given) {
      version = given;
      known = true;
    },
  };
}

/**
 * The result of a write of `value`, whose version is computed when first
 * read: a caller creating many secrets seldom asks for their versions.
 */
export function writeResultOf(value: string): WriteResult {
  let version: string | undefined;
  return {
    get version() {
      version ??= valueVersion(value);
      return version;
    },
  };
}
