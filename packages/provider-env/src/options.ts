// The provider's options: what each means, their defaults, and their checks.

import path from "node:path";
import {
  type FileLockOptions,
  type Logger,
  SecretConfigError,
  silentLogger,
} from "@org/secrets-core/provider";
import { DEFAULT_DOTENV_MAX_LENGTH } from "@org/secrets-exporters/dotenv";

/** The provider's name, in errors and log fields. */
export const PROVIDER = "env";

/** The environment variable that names the dotenv file. */
export const ENV_FILE_VARIABLE = "SECRET_ENV_FILE";

/** The largest dotenv file the provider reads or writes by default: 16 MiB. */
export const DEFAULT_MAX_FILE_BYTES = DEFAULT_DOTENV_MAX_LENGTH;

export type LockOptions = Omit<FileLockOptions, "signal">;

export interface EnvProviderOptions {
  /**
   * The dotenv file. Relative paths resolve against `cwd`. Default: the
   * `SECRET_ENV_FILE` variable of `env`, else `.env`.
   */
  path?: string | undefined;
  /** Where a relative `path` is resolved (default `process.cwd()`). */
  cwd?: string | undefined;
  /** The environment, which takes precedence over the file (default `process.env`). */
  env?: Record<string, string | undefined> | undefined;
  /**
   * When a name being written or deleted is also set in `env`, update or delete
   * it there too, so reads in this process agree with the file (default `true`).
   */
  writeEnvironment?: boolean | undefined;
  /** Receives warnings: a file readable by others, an environment that hides a write. */
  logger?: Logger | undefined;
  /** The clock used for `updatedAt` (for tests). */
  now?: (() => Date) | undefined;
  /**
   * The cross-process lock around every write (see `withFileLock`): how long to
   * wait (default 30 s), when a holder's heartbeat counts as stale (default 15 s)
   * and how often a holder refreshes it (default 2 s).
   */
  lock?: Omit<FileLockOptions, "signal"> | undefined;
  /**
   * The largest dotenv file read or written, in bytes (default 16 MiB). A larger
   * file is refused with an error naming the file and the limit.
   */
  maxFileBytes?: number | undefined;
}

/** The options with their defaults applied and checked. */
export interface Settings {
  /** The dotenv file, as an absolute path. */
  path: string;
  env: Record<string, string | undefined>;
  writeEnvironment: boolean;
  logger: Logger;
  now: () => Date;
  lock: LockOptions;
  maxFileBytes: number;
}

/** Apply the defaults and check every option, throwing `SecretConfigError` naming the first bad one. */
export function resolveSettings(options: EnvProviderOptions): Settings {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fromEnv = env[ENV_FILE_VARIABLE];
  const configured = options.path ?? (fromEnv?.trim() ? fromEnv : undefined) ?? ".env";
  if (typeof configured !== "string" || configured.trim() === "" || configured.includes("\0"))
    throw new SecretConfigError("The dotenv file path must be a non-empty string", {
      field: options.path === undefined ? ENV_FILE_VARIABLE : "path",
      provider: PROVIDER,
    });
  const lock: LockOptions = { ...options.lock };
  for (const field of ["timeoutMs", "staleMs", "heartbeatMs"] as const) {
    const value = lock[field];
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value <= 0))
      throw new SecretConfigError(`lock.${field} must be a positive number of milliseconds`, {
        field: `lock.${field}`,
        provider: PROVIDER,
      });
  }
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0)
    throw new SecretConfigError("maxFileBytes must be a positive whole number of bytes", {
      field: "maxFileBytes",
      provider: PROVIDER,
    });
  return {
    path: path.resolve(cwd, configured),
    env,
    writeEnvironment: options.writeEnvironment ?? true,
    logger: options.logger ?? silentLogger,
    now: options.now ?? (() => new Date()),
    lock,
    maxFileBytes,
  };
}
