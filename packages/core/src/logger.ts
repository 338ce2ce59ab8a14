import { SecretConfigError } from "./errors.js";
import { isSensitiveKey, REDACTED, redact } from "./redact.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** The logging surface the toolkit uses; pino, winston and console-style loggers adapt to it in a line. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Whether `debug` lines are written; lets callers skip building fields. */
  isLevelEnabled?(level: Exclude<LogLevel, "silent">): boolean;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const ALIASES: Record<string, LogLevel> = {
  debug: "debug",
  trace: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  fatal: "error",
  critical: "error",
  silent: "silent",
  off: "silent",
  none: "silent",
};

/** Parse `LOG_LEVEL` (any case; `WARNING`, `TRACE`, `OFF` accepted). */
export function parseLogLevel(raw: string | undefined, fallback: LogLevel = "warn"): LogLevel {
  if (raw === undefined || raw.trim() === "") return fallback;
  const key = raw.trim().toLowerCase();
  const level = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
  if (!level)
    throw new SecretConfigError(
      `Invalid LOG_LEVEL ${JSON.stringify(raw)}: use debug, info, warn, error or silent`,
      { field: "LOG_LEVEL" },
    );
  return level;
}

export interface CreateLoggerOptions {
  level?: LogLevel;
  /** `text` (default) or `json` lines. */
  format?: "text" | "json";
  /** Where lines go; defaults to standard error. */
  write?: (line: string) => void;
  /** Fields added to every line. */
  base?: LogFields;
  clock?: () => Date;
}

/**
 * A small structured logger. Every line passes through the redactor, and fields
 * whose names suggest a value (`value`, `token`, `password`…) are masked.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? "warn"];
  const format = options.format ?? "text";
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = options.clock ?? (() => new Date());
  const base = options.base ?? {};

  const emit = (level: Exclude<LogLevel, "silent">, message: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const all = { ...base, ...fields };
    const clean: Record<string, string | number | boolean | null> = {};
    for (const [key, value] of Object.entries(all)) {
      if (value === undefined) continue;
      if (isSensitiveKey(key)) clean[key] = REDACTED;
      else clean[key] = typeof value === "string" ? redact(value) : value;
    }
    const msg = redact(message);
    if (format === "json") {
      write(JSON.stringify({ time: clock().toISOString(), level, msg, ...clean }));
      return;
    }
    let line = `${clock().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}`;
    for (const [key, value] of Object.entries(clean)) line += ` ${key}=${formatValue(value)}`;
    write(line);
  };

  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    isLevelEnabled: (level) => RANK[level] >= threshold,
  };
}

function formatValue(value: string | number | boolean | null): string {
  if (typeof value !== "string") return String(value);
  return /^[\w.:/@+[\]-]+$/.test(value) ? value : JSON.stringify(value);
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  isLevelEnabled: () => false,
};

/** The logger configured by `LOG_LEVEL` and `LOG_FORMAT`. */
export function loggerFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Logger {
  const format = env.LOG_FORMAT?.trim().toLowerCase() === "json" ? "json" : "text";
  return createLogger({ level: parseLogLevel(env.LOG_LEVEL), format });
}
