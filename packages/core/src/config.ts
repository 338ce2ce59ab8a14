/**
 * Core's settings from the environment (`SECRET_PROVIDER`, cache, timeouts), their defaults and
 * checks.
 */
import { describeConfigValue } from "./config-value.js";
import { SecretConfigError } from "./errors.js";
import { type LogLevel, parseLogLevel } from "./logger.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Core settings read from the environment. Providers read their own variables. */
export interface CoreConfig {
  /** `SECRET_PROVIDER`: `env` (default), `vault`, `aws`, or a package specifier. */
  provider: string;
  /** `SECRET_CACHE_TTL` in seconds (default 300; 0 turns the cache off). */
  cacheTtlMs: number;
  /** `SECRET_CACHE_STALE_IF_ERROR` in seconds (default 900): how long past its TTL a cached value may be served when the backend fails. */
  staleIfErrorMs: number;
  /** `SECRET_TIMEOUT` in seconds (default 10, more than 0): the deadline of every provider call. */
  timeoutMs: number;
  /** `SECRET_CACHE_STALE_WAIT` in seconds (default 1): how long a read of a stale cached value waits for a refresh before serving the stale value. */
  staleWaitMs: number;
  /** `LOG_LEVEL` (default `warn`). */
  logLevel: LogLevel;
  /** `LOG_FORMAT`: `text` (default) or `json`. */
  logFormat: "text" | "json";
}

export interface ParsedConfig<T> {
  config: T;
  warnings: string[];
  errors: SecretConfigError[];
}

export const DEFAULT_CACHE_TTL_SECONDS = 300;
export const DEFAULT_STALE_IF_ERROR_SECONDS = 900;
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const DEFAULT_STALE_WAIT_SECONDS = 1;
/** The longest deadline a timer can hold (about 24.8 days); longer ones are shortened to it. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** Parse core configuration once, where it enters. Every problem names its variable. */
export function parseCoreConfig(env: Env = process.env): ParsedConfig<CoreConfig> {
  const errors: SecretConfigError[] = [];
  const warnings: string[] = [];

  const rawProvider = env.SECRET_PROVIDER?.trim();
  const provider = rawProvider ? rawProvider : "env";
  if (
    rawProvider &&
    rawProvider !== rawProvider.toLowerCase() &&
    ["ENV", "VAULT", "AWS"].includes(rawProvider.toUpperCase())
  ) {
    warnings.push(`SECRET_PROVIDER=${rawProvider} read as '${rawProvider.toLowerCase()}'`);
  }

  const seconds = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback * 1000;
    if (!/^\d+(\.\d+)?$/.test(raw)) {
      errors.push(
        new SecretConfigError(
          `Invalid ${name} ${describeConfigValue(name, raw)}: use a number of seconds, 0 or more`,
          {
            field: name,
          },
        ),
      );
      return fallback * 1000;
    }
    return Math.round(Number(raw) * 1000);
  };

  const cacheTtlMs = seconds("SECRET_CACHE_TTL", DEFAULT_CACHE_TTL_SECONDS);
  const staleIfErrorMs = seconds("SECRET_CACHE_STALE_IF_ERROR", DEFAULT_STALE_IF_ERROR_SECONDS);
  const staleWaitMs = Math.min(
    MAX_TIMEOUT_MS,
    seconds("SECRET_CACHE_STALE_WAIT", DEFAULT_STALE_WAIT_SECONDS),
  );
  let timeoutMs = seconds("SECRET_TIMEOUT", DEFAULT_TIMEOUT_SECONDS);
  if (timeoutMs <= 0) {
    errors.push(
      new SecretConfigError(
        `Invalid SECRET_TIMEOUT ${JSON.stringify(env.SECRET_TIMEOUT?.trim())}: use a number of seconds greater than 0`,
        { field: "SECRET_TIMEOUT" },
      ),
    );
    timeoutMs = DEFAULT_TIMEOUT_SECONDS * 1000;
  }
  timeoutMs = Math.min(MAX_TIMEOUT_MS, timeoutMs);

  let logLevel: LogLevel = "warn";
  try {
    logLevel = parseLogLevel(env.LOG_LEVEL);
  } catch (error) {
    errors.push(error as SecretConfigError);
  }
  const rawFormat = env.LOG_FORMAT?.trim().toLowerCase();
  if (rawFormat && rawFormat !== "text" && rawFormat !== "json") {
    errors.push(
      new SecretConfigError(
        `Invalid LOG_FORMAT ${describeConfigValue("LOG_FORMAT", env.LOG_FORMAT)}: use text or json`,
        {
          field: "LOG_FORMAT",
        },
      ),
    );
  }

  return {
    config: {
      provider: ["ENV", "VAULT", "AWS"].includes(provider.toUpperCase()) ? provider.toLowerCase() : provider,
      cacheTtlMs,
      staleIfErrorMs,
      timeoutMs,
      staleWaitMs,
      logLevel,
      logFormat: rawFormat === "json" ? "json" : "text",
    },
    warnings,
    errors,
  };
}

/** Production, as the spec means it: `NODE_ENV` or `ENVIRONMENT` is `production`. */
export function isProduction(env: Env = process.env): boolean {
  return [env.NODE_ENV, env.ENVIRONMENT].some((v) => v?.trim().toLowerCase() === "production");
}
