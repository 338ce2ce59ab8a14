/**
 * Whatever a provider throws — its own `SecretError`, an SDK's error with the
 * response attached, a string — becomes an error that carries no byte the
 * provider did not mean to show: messages and stacks scrubbed of every known
 * value (and of the values the request carried), and no field but name,
 * message, stack and a short code or status. Core never keeps a provider's raw
 * error object as `cause`.
 */
import {
  isSecretError,
  markSecretError,
  ProviderError,
  type SecretError,
  type SecretErrorCode,
} from "./errors.js";
import { isSensitiveKey, redact } from "./redact.js";

export interface WrapErrorOptions {
  /** Values the failed request carried (a value being written): scrubbed too, even if not remembered. */
  values?: readonly string[] | undefined;
}

const MAX_MESSAGE = 300;
const MAX_FRAME = 300;
const MAX_FRAMES = 30;
const MAX_CAUSE_DEPTH = 4;
const MAX_FIELD = 256;

const CODES: ReadonlySet<string> = new Set<SecretErrorCode>([
  "PROVIDER_NOT_CONFIGURED",
  "PROVIDER_NOT_INSTALLED",
  "PROVIDER_INVALID",
  "PROVIDER_UNAVAILABLE",
  "PROVIDER_ERROR",
  "AUTHENTICATION_FAILED",
  "ACCESS_DENIED",
  "SECRET_NOT_FOUND",
  "SECRET_SCHEDULED_FOR_DELETION",
  "CONFLICT",
  "INVALID_NAME",
  "INVALID_VALUE",
  "INVALID_CONFIG",
  "NOT_SUPPORTED",
  "TIMEOUT",
]);

/** Read a property of a hostile object: getters may throw, proxies may lie. */
function read(target: unknown, key: PropertyKey): unknown {
  if ((typeof target !== "object" && typeof target !== "function") || target === null) return undefined;
  try {
    return (target as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
const CONTROL_OR_SPACE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g;

/** One line, scrubbed, bounded. Scrubbing happens before truncation, so no cut-off fragment escapes it. */
function scrubLine(text: string, also: readonly string[] | undefined, max = MAX_MESSAGE): string {
  const clean = redact(text, also).replace(CONTROL_OR_SPACE, " ").trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

const IDENTIFIER = /^[A-Za-z_$][\w$.]{0,63}$/;
const SHORT_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

function shortPrimitive(value: unknown, also: readonly string[] | undefined): string | number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && SHORT_CODE.test(value) && redact(value, also) === value) return value;
  return undefined;
}

function scrubbedStack(header: string, stack: unknown, also: readonly string[] | undefined): string {
  if (typeof stack !== "string") return header;
  const frames: string[] = [];
  for (const line of stack.split("\n")) {
    if (!/^\s+at /.test(line)) continue;
    frames.push(`    ${scrubLine(line, also, MAX_FRAME)}`);
    if (frames.length >= MAX_FRAMES) break;
  }
  return frames.length > 0 ? `${header}\n${frames.join("\n")}` : header;
}

function describeThrown(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object" || typeof value === "function") return "";
  return String(value);
}

/**
 * A clean copy of any thrown value: a plain `Error` with the original's name,
 * scrubbed message and stack frames, a short `code` / `status` / `statusCode`
 * when they are primitives, and a likewise sanitized `cause` (a few levels
 * deep). Nothing else survives: no response, body, headers or config.
 */
export function sanitizeError(error: unknown, also?: readonly string[], depth = 0): Error {
  const rawName = read(error, "name");
  const name =
    typeof rawName === "string" && IDENTIFIER.test(rawName) && redact(rawName, also) === rawName
      ? rawName
      : typeof error === "object" && error !== null
        ? "Error"
        : `Thrown ${typeof error}`;
  const rawMessage = typeof error === "object" && error !== null ? read(error, "message") : error;
  const message =
    typeof rawMessage === "string"
      ? scrubLine(rawMessage, also)
      : scrubLine(describeThrown(rawMessage), also);
  const clean = new Error(message);
  Object.defineProperty(clean, "name", {
    value: name,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  for (const key of ["code", "status", "statusCode"] as const) {
    const value = shortPrimitive(read(error, key), also);
    if (value !== undefined) (clean as unknown as Record<string, unknown>)[key] = value;
  }
  clean.stack = scrubbedStack(`${name}: ${message}`, read(error, "stack"), also);
  if (depth < MAX_CAUSE_DEPTH) {
    const cause = read(error, "cause");
    if (cause !== undefined && cause !== error)
      Object.defineProperty(clean, "cause", {
        value: sanitizeError(cause, also, depth + 1),
        writable: true,
        configurable: true,
        enumerable: false,
      });
  }
  return clean;
}

/** Field names that carry what a backend sent or what a request held: never copied, whatever their type. */
const CARRIERS =
  /^(?:\$?response|body|data|config|headers?|request|options|raw|text|value|values|token|password|credentials?)$/i;
const MAX_EXTRA_FIELDS = 20;

/**
 * A subclass's own fields (`timeoutMs`, `operation`, a list of secret names…)
 * survive when they are plain and harmless: finite numbers, booleans, dates,
 * and short strings (or short lists of them) that scrubbing leaves unchanged.
 * Anything that could carry a body is dropped.
 */
function copyPlainFields(
  error: SecretError,
  fields: Record<string, unknown>,
  also: readonly string[] | undefined,
): void {
  let keys: string[];
  try {
    keys = Object.keys(error);
  } catch {
    return;
  }
  let copied = 0;
  for (const key of keys) {
    if (copied >= MAX_EXTRA_FIELDS) break;
    if (Object.hasOwn(fields, key) || key === "cause" || key === "stack" || key === "message") continue;
    if (!IDENTIFIER.test(key) || CARRIERS.test(key) || isSensitiveKey(key)) continue;
    const value = read(error, key);
    let kept: unknown;
    if (typeof value === "number") kept = Number.isFinite(value) ? value : undefined;
    else if (typeof value === "boolean") kept = value;
    else if (value instanceof Date) kept = new Date(value.getTime());
    else if (typeof value === "string") kept = cleanShort(value, also);
    else if (Array.isArray(value) && value.length <= 100) {
      const items = value.map((item) => (typeof item === "string" ? cleanShort(item, also) : undefined));
      kept = items.every((item) => item !== undefined) ? items : undefined;
    }
    if (kept === undefined) continue;
    fields[key] = kept;
    copied++;
  }
}

function cleanShort(value: string, also: readonly string[] | undefined): string | undefined {
  return value.length <= MAX_FIELD && redact(value, also) === value ? value : undefined;
}

function shortString(value: unknown, also: readonly string[] | undefined): string | undefined {
  return typeof value === "string" ? cleanShort(value, also) : undefined;
}

/**
 * A `SecretError` a provider threw, rebuilt: same prototype (class) and code,
 * scrubbed message and stack, sanitized cause, and only the documented fields.
 */
function rebuildSecretError(
  error: SecretError,
  provider: string,
  secretName: string | undefined,
  also: readonly string[] | undefined,
): SecretError {
  const rawMessage = read(error, "message");
  const message = scrubLine(typeof rawMessage === "string" ? rawMessage : "", also);
  const copy = new Error(message) as SecretError;
  const proto = Object.getPrototypeOf(error) as object | null;
  Object.setPrototypeOf(copy, proto);
  const rawName = read(error, "name");
  const name =
    typeof rawName === "string" && IDENTIFIER.test(rawName) && redact(rawName, also) === rawName
      ? rawName
      : "SecretError";
  const rawCode = read(error, "code");
  // Every string field is a word the provider chose: kept only when scrubbing leaves it unchanged.
  const fields: Record<string, unknown> = {
    name,
    code: typeof rawCode === "string" && CODES.has(rawCode) ? rawCode : "PROVIDER_ERROR",
    provider: shortString(read(error, "provider"), also) ?? provider,
    secret: undefined,
  };
  const rawSecret = read(error, "secret");
  // A secret name that scrubbing would change is not a name: the one the call was about stands in.
  if (typeof rawSecret === "string") fields.secret = shortString(rawSecret, also) ?? secretName;
  for (const key of ["field", "packageName"]) {
    const value = shortString(read(error, key), also);
    if (value !== undefined) fields[key] = value;
  }
  const missing = read(error, "missing");
  if (Array.isArray(missing))
    fields.missing = missing
      .slice(0, 100)
      .map((m) => shortString(m, also))
      .filter((m): m is string => m !== undefined);
  const deletionDate = read(error, "deletionDate");
  if (deletionDate instanceof Date) fields.deletionDate = new Date(deletionDate.getTime());
  copyPlainFields(error, fields, also);
  for (const [key, value] of Object.entries(fields))
    Object.defineProperty(copy, key, {
      value,
      writable: false,
      configurable: true,
      enumerable: key !== "name",
    });
  Object.defineProperty(copy, "stack", {
    value: scrubbedStack(`${name}: ${message}`, read(error, "stack"), also),
    writable: true,
    configurable: true,
    enumerable: false,
  });
  const cause = read(error, "cause");
  if (cause !== undefined)
    Object.defineProperty(copy, "cause", {
      value: sanitizeError(cause, also, 1),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  markSecretError(copy);
  return copy;
}

/** Errors core made itself (a deadline, for example): they hold no provider text and pass through as they are. */
const ownErrors = new WeakSet<object>();

/** Mark an error core created, so `wrapError` hands it on unchanged (its identity matters: it is also a signal's reason). */
export function markOwnError<E extends SecretError>(error: E): E {
  ownErrors.add(error);
  return error;
}

/**
 * Turn anything a provider threw into a `SecretError` whose message, stack and
 * cause chain hold no value: a `SecretError` keeps its class and code, anything
 * else becomes a `ProviderError` naming the operation and the secret.
 */
export function wrapError(
  error: unknown,
  provider: string,
  operation: string,
  name?: string,
  options: WrapErrorOptions = {},
): SecretError {
  const also = options.values;
  const what = name ? `${operation} '${name}'` : operation;
  const secret = name ? { secret: name } : {};
  try {
    if (typeof error === "object" && error !== null && ownErrors.has(error)) return error as SecretError;
    if (isSecretError(error)) return rebuildSecretError(error, provider, name, also);
    const cause = sanitizeError(error, also);
    const detail = cause.message;
    return new ProviderError(
      `Secret provider '${provider}' failed to ${what}${detail ? `: ${detail}` : ""}`,
      { provider, ...secret, cause },
    );
  } catch {
    return new ProviderError(
      `Secret provider '${provider}' failed to ${what} (its error could not be read)`,
      { provider, ...secret },
    );
  }
}
