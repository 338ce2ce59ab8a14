/**
 * Checks at the provider boundary: the provider's shape, the shape of what it
 * answers, and the values the manager is about to send it.
 */

import type { SecretProvider, SecretRecord } from "./contract.js";
import { ProviderInvalidError } from "./errors.js";
import { redact } from "./redact.js";
import { isWellFormedText } from "./text.js";

/** The value size limit when a provider declares no `maxValueBytes`: 1 MiB of UTF-8. */
export const DEFAULT_MAX_VALUE_BYTES = 1_048_576;

/** The contract's required shape: a name and the four required methods. */
export function checkProviderShape(provider: unknown, label: string): asserts provider is SecretProvider {
  if (typeof provider !== "object" || provider === null)
    throw new ProviderInvalidError(undefined, {
      provider: label,
      reason: "expected an object with get, set, delete and check methods",
    });
  const p = provider as Record<string, unknown>;
  if (typeof p.name !== "string" || p.name.length === 0)
    throw new ProviderInvalidError(undefined, { provider: label, reason: "the provider has no name" });
  const missing = ["get", "set", "delete", "check"].filter((m) => typeof p[m] !== "function");
  if (missing.length > 0)
    throw new ProviderInvalidError(undefined, {
      provider: label,
      reason: `missing method(s) ${missing.join(", ")}`,
    });
  if (p.capabilities !== undefined && (typeof p.capabilities !== "object" || p.capabilities === null))
    throw new ProviderInvalidError(undefined, { provider: label, reason: "capabilities must be an object" });
  if (
    p.maxValueBytes !== undefined &&
    (typeof p.maxValueBytes !== "number" || !Number.isInteger(p.maxValueBytes) || p.maxValueBytes < 1)
  )
    throw new ProviderInvalidError(undefined, {
      provider: label,
      reason: "maxValueBytes must be a whole number of bytes, 1 or more",
    });
}

/**
 * What `get` (or one entry of `getMany`) answered, `{ value: string }` or
 * `undefined`, as core's own frozen copy: each field read once, so a provider
 * that changes its object later (or answers with getters) cannot change what
 * core checked, remembered for redaction and cached. Only the documented
 * fields of their documented types are kept.
 */
export function ownRecord(record: unknown, provider: string, name: string): SecretRecord | undefined {
  if (record === undefined) return undefined;
  const value = typeof record === "object" && record !== null ? (record as SecretRecord).value : undefined;
  if (typeof value !== "string")
    throw new ProviderInvalidError(undefined, {
      provider,
      reason: `get('${name}') must return { value: string } or undefined`,
    });
  const given = record as SecretRecord;
  const out: { -readonly [K in keyof SecretRecord]: SecretRecord[K] } = { value };
  const versionField = Object.getOwnPropertyDescriptor(given, "version");
  if (versionField?.get !== undefined) {
    // A version computed when first read (the env provider's HMAC tags) stays so: read once, on demand.
    const read = versionField.get;
    let version: string | undefined;
    let known = false;
    Object.defineProperty(out, "version", {
      enumerable: true,
      get() {
        if (!known) {
          known = true;
          try {
            const computed: unknown = read.call(record);
            if (typeof computed === "string") version = computed;
          } catch {
            // A version that cannot be computed is no version.
          }
        }
        return version;
      },
    });
  } else {
    const version: unknown = given.version;
    if (typeof version === "string") out.version = version;
  }
  const createdAt = ownDate(given.createdAt);
  if (createdAt !== undefined) out.createdAt = createdAt;
  const updatedAt = ownDate(given.updatedAt);
  if (updatedAt !== undefined) out.updatedAt = updatedAt;
  const metadata = ownMetadata(given.metadata);
  if (metadata !== undefined) out.metadata = metadata;
  return Object.freeze(out);
}

function ownDate(date: unknown): Date | undefined {
  return date instanceof Date ? new Date(date.getTime()) : undefined;
}

/** String entries only, as own fields of a null-prototype object (a key `__proto__` stays a key). */
function ownMetadata(metadata: unknown): Readonly<Record<string, string>> | undefined {
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const out: Record<string, string> = Object.create(null);
  for (const key of Object.keys(metadata)) {
    const value: unknown = (metadata as Record<string, unknown>)[key];
    if (typeof value === "string") out[key] = value;
  }
  return Object.freeze(out);
}

/** What `getMany` or `setMany` answered must be a Map. */
export function checkAnswerMap(
  answer: unknown,
  provider: string,
  method: "getMany" | "setMany",
): asserts answer is Map<string, unknown> {
  if (!(answer instanceof Map))
    throw new ProviderInvalidError(undefined, { provider, reason: `${method}() must return a Map` });
}

/** Why a value cannot be sent to any backend (not a string, not well-formed text), or `undefined`. */
export function valueProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "a value must be a string";
  if (!isWellFormedText(value))
    return "the value is not well-formed text (it holds a lone UTF-16 surrogate, which has no UTF-8 form)";
  return undefined;
}

/** Why a value is too large for the provider (over `limit` bytes of UTF-8), or `undefined`. */
export function sizeProblem(value: string, limit: number, provider: string): string | undefined {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: only long values need counting.
  if (value.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes <= limit) return undefined;
  return `the value is ${bytes} bytes of UTF-8, over the ${limit}-byte limit of secret provider '${provider}'`;
}

/** At most this many warnings are kept from one `check`, */
const MAX_WARNINGS = 8;
/** each cut to this many characters. */
const MAX_WARNING_LENGTH = 500;

/**
 * The warnings a `check` answered (`ProviderStatus.warnings`), each made one
 * line, cut to a bounded length and redacted; anything but a string is left
 * out. `undefined` when there is none.
 */
export function statusWarnings(status: unknown): string[] | undefined {
  if (typeof status !== "object" || status === null) return undefined;
  const given: unknown = (status as { warnings?: unknown }).warnings;
  if (!Array.isArray(given)) return undefined;
  const out: string[] = [];
  for (const warning of given) {
    if (out.length === MAX_WARNINGS) break;
    if (typeof warning !== "string") continue;
    // Redacted before it is cut: a value cut in half would no longer be recognised.
    let line = redact(warning.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, " ").trim());
    if (line.length > MAX_WARNING_LENGTH) line = `${line.slice(0, MAX_WARNING_LENGTH - 3)}...`;
    if (line !== "") out.push(line);
  }
  return out.length > 0 ? out : undefined;
}

/** At most this many `details` are kept from one `check`, */
const MAX_DETAILS = 32;

/**
 * The details a `check` answered (`ProviderStatus.details`): strings, finite
 * numbers and booleans, each string made one line, cut to a bounded length and
 * redacted (a provider may show a value by mistake); anything else is left out.
 * `undefined` when there is none.
 */
export function statusDetails(status: unknown): Record<string, string | number | boolean> | undefined {
  if (typeof status !== "object" || status === null) return undefined;
  const given: unknown = (status as { details?: unknown }).details;
  if (typeof given !== "object" || given === null) return undefined;
  const out: Record<string, string | number | boolean> = {};
  let kept = 0;
  for (const key of Object.keys(given)) {
    if (kept === MAX_DETAILS) break;
    const value: unknown = (given as Record<string, unknown>)[key];
    let clean: string | number | boolean | undefined;
    if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) clean = value;
    else if (typeof value === "string") {
      clean = redact(value.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, " ").trim());
      if (clean.length > MAX_WARNING_LENGTH) clean = `${clean.slice(0, MAX_WARNING_LENGTH - 3)}...`;
    }
    if (clean === undefined) continue;
    // A key such as `__proto__` stays an own field.
    Object.defineProperty(out, redact(key), {
      value: clean,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    kept++;
  }
  return kept > 0 ? out : undefined;
}

/** What `list` answered must be an array of strings. */
export function checkNameList(answer: unknown, provider: string): asserts answer is string[] {
  if (!Array.isArray(answer) || !answer.every((name) => typeof name === "string"))
    throw new ProviderInvalidError(undefined, { provider, reason: "list() must return an array of strings" });
}
