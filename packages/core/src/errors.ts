/**
 * The error hierarchy. Every error the toolkit throws is a `SecretError` with a
 * stable `code`, the name of the provider involved (when there is one) and the
 * original error as `cause`. Messages name secrets and paths, never values.
 */

export type SecretErrorCode =
  | "PROVIDER_NOT_CONFIGURED"
  | "PROVIDER_NOT_INSTALLED"
  | "PROVIDER_INVALID"
  | "PROVIDER_UNAVAILABLE"
  | "PROVIDER_ERROR"
  | "AUTHENTICATION_FAILED"
  | "ACCESS_DENIED"
  | "SECRET_NOT_FOUND"
  | "SECRET_SCHEDULED_FOR_DELETION"
  | "CONFLICT"
  | "INVALID_NAME"
  | "INVALID_VALUE"
  | "INVALID_CONFIG"
  | "NOT_SUPPORTED"
  | "TIMEOUT";

export interface SecretErrorOptions {
  /** The provider's short name, for example `vault`. */
  provider?: string | undefined;
  /** The secret's name, when the error is about one secret. */
  secret?: string | undefined;
  cause?: unknown;
}

/** Marks errors from any copy of this package (an application can end up with two). */
const BRAND = Symbol.for("@org/secrets-core.SecretError");

/** Give an object built outside the constructor (a scrubbed copy) the brand every copy of core recognises. */
export function markSecretError(error: object): void {
  Object.defineProperty(error, BRAND, { value: true });
}

export class SecretError extends Error {
  /**
   * `instanceof` also holds for errors made by another copy of core (a CLI run
   * with npx over a project with its own core, ESM beside CJS): such an error
   * carries the same brand, and its class chain is compared by name.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass being tested, on purpose
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== "object" || value === null || (value as Record<symbol, unknown>)[BRAND] !== true)
      return false;
    for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass being tested, on purpose
      if (proto.constructor?.name === this.name) return true;
    }
    return false;
  }

  readonly code: SecretErrorCode;
  readonly provider: string | undefined;
  readonly secret: string | undefined;

  constructor(code: SecretErrorCode, message: string, options: SecretErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.provider = options.provider;
    this.secret = options.secret;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** A plain object for `--json` output and structured logs. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = { name: this.name, code: this.code, message: this.message };
    if (this.provider !== undefined) out.provider = this.provider;
    if (this.secret !== undefined) out.secret = this.secret;
    return out;
  }
}

/** Configuration for a provider is missing or invalid: `Secret provider 'vault' not configured`. */
export class ProviderNotConfiguredError extends SecretError {
  readonly missing: readonly string[];
  constructor(
    provider: string,
    detail?: string,
    options: { missing?: readonly string[]; cause?: unknown } = {},
  ) {
    super(
      "PROVIDER_NOT_CONFIGURED",
      `Secret provider '${provider}' not configured${detail ? `: ${detail}` : ""}`,
      { provider, cause: options.cause },
    );
    this.missing = options.missing ?? [];
  }
}

/** A provider package that is named but not installed. */
export class ProviderNotInstalledError extends SecretError {
  readonly packageName: string;
  constructor(provider: string, packageName: string, message?: string, cause?: unknown) {
    super(
      "PROVIDER_NOT_INSTALLED",
      message ?? `Secret provider '${provider}' is not installed: run npm install ${packageName}`,
      { provider, cause },
    );
    this.packageName = packageName;
  }
}

/** A module was found but does not fulfil the provider contract. */
export class ProviderInvalidError extends SecretError {
  constructor(provider: string, detail: string, cause?: unknown) {
    super("PROVIDER_INVALID", `Secret provider '${provider}' is not a valid provider: ${detail}`, {
      provider,
      cause,
    });
  }
}

/** The backend could not be asked: unreachable, sealed, timing out, answering 5xx. */
export class ProviderUnavailableError extends SecretError {
  constructor(provider: string, message: string, options: { secret?: string; cause?: unknown } = {}) {
    super("PROVIDER_UNAVAILABLE", message, { provider, ...options });
  }
}

/** The provider refused our credentials: `Vault authentication failed`. */
export class AuthenticationError extends SecretError {
  constructor(provider: string, displayName: string, reason?: string, cause?: unknown) {
    super("AUTHENTICATION_FAILED", `${displayName} authentication failed${reason ? `: ${reason}` : ""}`, {
      provider,
      cause,
    });
  }
}

/** Authenticated, but not allowed to touch this secret or path. */
export class AccessDeniedError extends SecretError {
  constructor(provider: string, message: string, options: { secret?: string; cause?: unknown } = {}) {
    super("ACCESS_DENIED", message, { provider, ...options });
  }
}

/** `Required secret 'SECRET_KEY' not found`. */
export class SecretNotFoundError extends SecretError {
  constructor(secret: string, options: { provider?: string; message?: string } = {}) {
    super("SECRET_NOT_FOUND", options.message ?? `Required secret '${secret}' not found`, {
      secret,
      provider: options.provider,
    });
  }
}

/** The secret exists but is scheduled for deletion (it can still be restored). */
export class SecretScheduledForDeletionError extends SecretError {
  readonly deletionDate: Date | undefined;
  constructor(provider: string, secret: string, message: string, deletionDate?: Date, cause?: unknown) {
    super("SECRET_SCHEDULED_FOR_DELETION", message, { provider, secret, cause });
    this.deletionDate = deletionDate;
  }
}

/** A check-and-set write lost: somebody else wrote first. */
export class SecretConflictError extends SecretError {
  constructor(provider: string, secret: string, message?: string, cause?: unknown) {
    super("CONFLICT", message ?? `Secret '${secret}' was changed by someone else; read it again and retry`, {
      provider,
      secret,
      cause,
    });
  }
}

export class InvalidSecretNameError extends SecretError {
  constructor(name: unknown, reason: string) {
    super("INVALID_NAME", `Invalid secret name ${describeName(name)}: ${reason}`);
  }
}

export class InvalidSecretValueError extends SecretError {
  constructor(secret: string, reason: string) {
    super("INVALID_VALUE", `Invalid value for secret '${secret}': ${reason}`, { secret });
  }
}

/** Configuration that entered through the environment, a file or options is wrong. */
export class SecretConfigError extends SecretError {
  /** Where the problem is: an environment variable, an option path, or `file:line`. */
  readonly field: string | undefined;
  constructor(message: string, options: { field?: string; provider?: string; cause?: unknown } = {}) {
    super("INVALID_CONFIG", message, { provider: options.provider, cause: options.cause });
    this.field = options.field;
  }
}

/** The provider does not have the capability an operation needs. */
export class NotSupportedError extends SecretError {
  constructor(provider: string, what: string) {
    super("NOT_SUPPORTED", `Secret provider '${provider}' does not support ${what}`, { provider });
  }
}

/** A generic backend failure that is none of the above. */
export class ProviderError extends SecretError {
  constructor(provider: string, message: string, options: { secret?: string; cause?: unknown } = {}) {
    super("PROVIDER_ERROR", message, { provider, ...options });
  }
}

export function isSecretError(error: unknown): error is SecretError {
  return error instanceof SecretError;
}

/** Names are shown quoted and shortened, so hostile input cannot flood or control a terminal. */
export function describeName(name: unknown): string {
  if (typeof name !== "string") return `of type ${name === null ? "null" : typeof name}`;
  const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return JSON.stringify(shown).replace(/^"|"$/g, "'");
}

export interface SecretTimeoutErrorOptions {
  /** The provider's short name, for example `vault`. */
  provider: string;
  /** What was asked: `get`, `get_many`, `set`, `delete`, `list`, `check`, `restore` or `connect`. */
  operation: string;
  /** The deadline that passed, in milliseconds. */
  timeoutMs: number;
  /** The secret's name, when the call was about one secret. */
  secret?: string | undefined;
  cause?: unknown;
}

/**
 * A provider did not settle a call before its deadline (`SECRET_TIMEOUT`):
 * `Secret provider 'vault' did not answer within 10 s (get 'DATABASE_URL')`.
 * The call's `AbortSignal` has been aborted when this is thrown.
 */
export class SecretTimeoutError extends SecretError {
  readonly operation: string;
  readonly timeoutMs: number;
  constructor(message: string | undefined, options: SecretTimeoutErrorOptions) {
    const what = options.secret ? `${options.operation} '${options.secret}'` : options.operation;
    super(
      "TIMEOUT",
      message ??
        `Secret provider '${options.provider}' did not answer within ${formatSeconds(options.timeoutMs)} s (${what})`,
      { provider: options.provider, secret: options.secret, cause: options.cause },
    );
    this.operation = options.operation;
    this.timeoutMs = options.timeoutMs;
  }
}

/** `10000` → `10`, `1500` → `1.5`, `50` → `0.05`. */
function formatSeconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}
