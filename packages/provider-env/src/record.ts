// Records with per-process HMAC versions, computed only when first read.

import { type SecretRecord, valueVersion } from "@org/secrets-core/provider";

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
