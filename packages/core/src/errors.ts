/**
 * The error hierarchy. Every error the toolkit throws is a `SecretError` with a
 * stable `code`, the name of the provider involved (when there is one) and the
 * original error as `cause`. Messages name secrets and paths, never values.
 *
 * One constructor shape for every class: `new XError(message, options)`.
 * `options` carries the structured fields (`provider`, `secret`, `cause`, and
 * the class's own: `code`, `packageName`, `deletionDate`, `field`, …). A class
 * with a standard wording accepts `message: undefined` and builds its message
 * from the options (its doc comment shows it), so the wording lives here only;
 * a given message is used as it is.
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

  constructor(message: string, options: SecretErrorOptions & { code: SecretErrorCode }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
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

/** Options of an error about a provider: its name is required. */
export interface ProviderErrorOptions extends SecretErrorOptions {
  provider: string;
}

/** Options of an error about one secret of a provider. */
export interface ProviderSecretErrorOptions extends ProviderErrorOptions {
  secret: string;
}

/**
 * Configuration for a provider is missing or invalid.
 * Standard message: `Secret provider 'vault' not configured: <reason>`.
 */
export class ProviderNotConfiguredError extends SecretError {
  readonly missing: readonly string[];
  constructor(
    message: string | undefined,
    options: ProviderErrorOptions & {
      /** What is missing or wrong, appended to the standard message. */
      reason?: string | undefined;
      /** The environment variables (or options) that are missing. */
      missing?: readonly string[] | undefined;
    },
  ) {
    super(
      message ??
        `Secret provider '${options.provider}' not configured${options.reason ? `: ${options.reason}` : ""}`,
      {
        code: "PROVIDER_NOT_CONFIGURED",
        provider: options.provider,
        secret: options.secret,
        cause: options.cause,
      },
    );
    this.missing = options.missing ?? [];
  }
}

/**
 * A provider package that is named but not installed.
 * Standard message: `Secret provider 'p' is not installed: run npm install <packageName>`.
 */
export class ProviderNotInstalledError extends SecretError {
  readonly packageName: string;
  constructor(message: string | undefined, options: ProviderErrorOptions & { packageName: string }) {
    super(
      message ??
        `Secret provider '${options.provider}' is not installed: run npm install ${options.packageName}`,
      {
        code: "PROVIDER_NOT_INSTALLED",
        provider: options.provider,
        secret: options.secret,
        cause: options.cause,
      },
    );
    this.packageName = options.packageName;
  }
}

/**
 * A module was found but does not fulfil the provider contract.
 * Standard message: `Secret provider 'p' is not a valid provider: <reason>`.
 */
export class ProviderInvalidError extends SecretError {
  constructor(message: string | undefined, options: ProviderErrorOptions & { reason?: string | undefined }) {
    super(
      message ??
        `Secret provider '${options.provider}' is not a valid provider${options.reason ? `: ${options.reason}` : ""}`,
      { code: "PROVIDER_INVALID", provider: options.provider, secret: options.secret, cause: options.cause },
    );
  }
}

/** The backend could not be asked: unreachable, sealed, timing out, answering 5xx. */
export class ProviderUnavailableError extends SecretError {
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { ...options, code: "PROVIDER_UNAVAILABLE" });
  }
}

/**
 * The provider refused our credentials.
 * Standard message: `Vault authentication failed: <reason>` (`displayName`, else the provider's name).
 */
export class AuthenticationError extends SecretError {
  constructor(
    message: string | undefined,
    options: ProviderErrorOptions & {
      /** The backend's name for people, for example `Vault`. */
      displayName?: string | undefined;
      reason?: string | undefined;
    },
  ) {
    super(
      message ??
        `${options.displayName ?? options.provider} authentication failed${options.reason ? `: ${options.reason}` : ""}`,
      {
        code: "AUTHENTICATION_FAILED",
        provider: options.provider,
        secret: options.secret,
        cause: options.cause,
      },
    );
  }
}

/** Authenticated, but not allowed to touch this secret or path. */
export class AccessDeniedError extends SecretError {
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { ...options, code: "ACCESS_DENIED" });
  }
}

/** A required secret is missing. Standard message: `Required secret 'SECRET_KEY' not found`. */
export class SecretNotFoundError extends SecretError {
  constructor(message: string | undefined, options: SecretErrorOptions & { secret: string }) {
    super(message ?? `Required secret '${options.secret}' not found`, {
      ...options,
      code: "SECRET_NOT_FOUND",
    });
  }
}

/** The secret exists but is scheduled for deletion (it can still be restored). */
export class SecretScheduledForDeletionError extends SecretError {
  readonly deletionDate: Date | undefined;
  constructor(message: string, options: ProviderSecretErrorOptions & { deletionDate?: Date | undefined }) {
    super(message, {
      code: "SECRET_SCHEDULED_FOR_DELETION",
      provider: options.provider,
      secret: options.secret,
      cause: options.cause,
    });
    this.deletionDate = options.deletionDate;
  }
}

/**
 * A check-and-set write lost: somebody else wrote first.
 * Standard message: `Secret 'X' was changed by someone else; read it again and retry`.
 */
export class SecretConflictError extends SecretError {
  constructor(message: string | undefined, options: ProviderSecretErrorOptions) {
    super(message ?? `Secret '${options.secret}' was changed by someone else; read it again and retry`, {
      ...options,
      code: "CONFLICT",
    });
  }
}

/**
 * A name that is not a valid secret name. It is not kept as `secret` (it may be
 * anything). Standard message: `Invalid secret name 'a b': <reason>`, the name
 * shown by `describeName`.
 */
export class InvalidSecretNameError extends SecretError {
  constructor(
    message: string | undefined,
    options: SecretErrorOptions & { name: unknown; reason?: string | undefined },
  ) {
    super(
      message ??
        `Invalid secret name ${describeName(options.name)}${options.reason ? `: ${options.reason}` : ""}`,
      { code: "INVALID_NAME", provider: options.provider, secret: options.secret, cause: options.cause },
    );
  }
}

/** A value that cannot be stored. Standard message: `Invalid value for secret 'X': <reason>`. */
export class InvalidSecretValueError extends SecretError {
  constructor(
    message: string | undefined,
    options: SecretErrorOptions & { secret: string; reason?: string | undefined },
  ) {
    super(
      message ?? `Invalid value for secret '${options.secret}'${options.reason ? `: ${options.reason}` : ""}`,
      { code: "INVALID_VALUE", provider: options.provider, secret: options.secret, cause: options.cause },
    );
  }
}

/** Configuration that entered through the environment, a file or options is wrong. */
export class SecretConfigError extends SecretError {
  /** Where the problem is: an environment variable, an option path, or `file:line`. */
  readonly field: string | undefined;
  constructor(message: string, options: SecretErrorOptions & { field?: string | undefined } = {}) {
    super(message, {
      code: "INVALID_CONFIG",
      provider: options.provider,
      secret: options.secret,
      cause: options.cause,
    });
    this.field = options.field;
  }
}

/**
 * The provider does not have the capability an operation needs.
 * Standard message: `Secret provider 'p' does not support <feature>`.
 */
export class NotSupportedError extends SecretError {
  constructor(
    message: string | undefined,
    options: ProviderErrorOptions & {
      /** What is not supported, for example `listing secrets`. */
      feature: string;
    },
  ) {
    super(message ?? `Secret provider '${options.provider}' does not support ${options.feature}`, {
      code: "NOT_SUPPORTED",
      provider: options.provider,
      secret: options.secret,
      cause: options.cause,
    });
  }
}

/** A generic backend failure that is none of the above. */
export class ProviderError extends SecretError {
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { ...options, code: "PROVIDER_ERROR" });
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
  /** What was asked: `get`, `get_many`, `set`, `delete`, `list`, `check`, `restore`, `connect` or `close`. */
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
      message ??
        `Secret provider '${options.provider}' did not answer within ${formatSeconds(options.timeoutMs)} s (${what})`,
      { code: "TIMEOUT", provider: options.provider, secret: options.secret, cause: options.cause },
    );
    this.operation = options.operation;
    this.timeoutMs = options.timeoutMs;
  }
}

/** `10000` → `10`, `1500` → `1.5`, `50` → `0.05`. */
function formatSeconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}
