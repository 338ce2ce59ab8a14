import { constants } from "node:os";
import type { SecretErrorCode } from "@org/secrets-core";

const osSignals = constants.signals;

/**
 * The process exit codes, decided here and nowhere else:
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success; `health`: healthy (or degraded without `--strict`) |
 * | 1 | the operation failed: provider error, unhealthy, a required secret missing, a conflict, not supported; stdout could not be written (ENOSPC, EIO: see run.ts); a file the file system refused to write (no space, read-only, permission: core's codes other than `INVALID_CONFIG`) |
 * | 2 | usage or input error: bad arguments, unknown format, invalid name, malformed manifest, unknown provider, invalid configuration, a path that cannot name a file to write |
 * | 3 | `health --strict` only: degraded |
 * | 4 | not found: `get` / `delete` of a secret that does not exist |
 * | 126 | `run`: the command exists but cannot be executed (as shells report it) |
 * | 127 | `run`: the command was not found (as shells report it) |
 * | 141 | the reader of stdout went away (`secrets export | head -c1`): 128 + SIGPIPE, as `cat` or `yes` end |
 *
 * `secrets run` otherwise ends with its command's own exit code, or 128 + N when
 * the command was killed by signal N (see `exitCodeForChild`).
 */
export const EXIT = Object.freeze({
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  DEGRADED: 3,
  NOT_FOUND: 4,
  NOT_EXECUTABLE: 126,
  COMMAND_NOT_FOUND: 127,
  BROKEN_PIPE: 141,
} as const);

/** An exit status passed on from the command `secrets run` started; made only by `exitCodeForChild`. */
export type ChildExitCode = number & { readonly __childExitCode: true };

export type ExitCode = (typeof EXIT)[keyof typeof EXIT] | ChildExitCode;

/**
 * `run`: the started command's exit code, or 128 + N when it died of signal N
 * (as shells report it); 1 when neither is known.
 */
export function exitCodeForChild(code: number | null, signal: string | null): ExitCode {
  if (typeof code === "number" && Number.isInteger(code) && code >= 0 && code <= 255)
    return code as ChildExitCode;
  if (signal !== null) {
    const number = (osSignals as Record<string, number | undefined>)[signal];
    if (typeof number === "number") return (128 + number) as ChildExitCode;
  }
  return EXIT.FAILED;
}

/** Every error code core defines, mapped once. The `Record` makes a new code a type error until it is mapped. */
const BY_ERROR_CODE: Readonly<Record<SecretErrorCode, ExitCode>> = Object.freeze({
  PROVIDER_NOT_CONFIGURED: EXIT.USAGE,
  PROVIDER_NOT_INSTALLED: EXIT.USAGE,
  PROVIDER_INVALID: EXIT.USAGE,
  INVALID_NAME: EXIT.USAGE,
  INVALID_VALUE: EXIT.USAGE,
  INVALID_CONFIG: EXIT.USAGE,
  SECRET_NOT_FOUND: EXIT.NOT_FOUND,
  PROVIDER_UNAVAILABLE: EXIT.FAILED,
  PROVIDER_ERROR: EXIT.FAILED,
  AUTHENTICATION_FAILED: EXIT.FAILED,
  ACCESS_DENIED: EXIT.FAILED,
  SECRET_SCHEDULED_FOR_DELETION: EXIT.FAILED,
  CONFLICT: EXIT.FAILED,
  NOT_SUPPORTED: EXIT.FAILED,
  TIMEOUT: EXIT.FAILED,
});

/**
 * The exit code for an error that ended a command: a `SecretError` by its
 * stable `code`; anything else is a failure (1). The check is by shape (an
 * `Error` whose `code` is one of core's codes), so it also holds for errors
 * from a provider that carries its own copy of core, and this module loads
 * nothing (`secrets --version` stays fast).
 */
export function exitCodeForError(error: unknown): ExitCode {
  const code = secretErrorCode(error);
  return code === undefined ? EXIT.FAILED : BY_ERROR_CODE[code];
}

/** The error's code when it is one of core's `SecretError` codes (checked by shape), else `undefined`. */
export function secretErrorCode(error: unknown): SecretErrorCode | undefined {
  if (!(error instanceof Error)) return undefined;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === "string" && Object.hasOwn(BY_ERROR_CODE, code)
    ? (code as SecretErrorCode)
    : undefined;
}

/** `health`: healthy 0; degraded 0, or 3 with `--strict`; unhealthy 1. */
export function exitCodeForHealth(status: "healthy" | "degraded" | "unhealthy", strict: boolean): ExitCode {
  if (status === "healthy") return EXIT.OK;
  if (status === "degraded") return strict ? EXIT.DEGRADED : EXIT.OK;
  return EXIT.FAILED;
}

/** `init` and `rotate`: 1 when a required secret is still missing, a named secret is missing, or a write failed. */
export function exitCodeForResult(result: { ok: boolean }): ExitCode {
  return result.ok ? EXIT.OK : EXIT.FAILED;
}

/** A confirmation the user declined: nothing was done, which is not success. */
export const EXIT_DECLINED: ExitCode = EXIT.FAILED;
