/** The logger: levels, text or JSON lines, every field scrubbed of remembered values. */
import { describeConfigValue } from "./config-value.js";
import { SecretConfigError } from "./errors.js";
import { isSensitiveKey, REDACTED, REDACTION_FAILED, redactOrThrow } from "./redact.js";

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
      `Invalid LOG_LEVEL ${describeConfigValue("LOG_LEVEL", raw)}: use debug, info, warn, error or silent`,
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
    const time = clock().toISOString();
    let line: string;
    try {
      line = render(format, time, level, message, base, fields);
    } catch {
      // Scrubbing (or reading a hostile field) failed: the line is withheld, never written raw.
      line =
        format === "json"
          ? JSON.stringify({ time, level, msg: REDACTION_FAILED })
          : `${time} ${level.toUpperCase().padEnd(5)} ${REDACTION_FAILED}`;
    }
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

const RESERVED = new Set(["time", "level", "msg"]);

/** One line: every field scrubbed; in JSON one object per line, in text no control character unescaped. */
function render(
  format: "text" | "json",
  time: string,
  level: Exclude<LogLevel, "silent">,
  message: string,
  base: LogFields,
  fields: LogFields | undefined,
): string {
  const clean = new Map<string, string | number | boolean | null>();
  for (const source of [base, fields]) {
    if (!source) continue;
    for (const key of Object.keys(source)) {
      const value = (source as Record<string, unknown>)[key];
      if (value === undefined) continue;
      const name = RESERVED.has(key) ? `${key}_` : key;
      clean.set(name, isSensitiveKey(key) ? REDACTED : scrubField(value));
    }
  }
  const msg = redactOrThrow(typeof message === "string" ? message : String(message));
  if (format === "json") {
    const out: Record<string, unknown> = Object.create(null);
    out.time = time;
    out.level = level;
    out.msg = msg;
    for (const [key, value] of clean) out[key] = value;
    return JSON.stringify(out);
  }
  let line = `${time} ${level.toUpperCase().padEnd(5)} ${escapeControls(msg)}`;
  for (const [key, value] of clean) line += ` ${formatKey(key)}=${formatValue(value)}`;
  return line;
}

/** Strings are scrubbed; anything else a caller passed despite the types (an Error, an object) becomes a scrubbed string. */
function scrubField(value: unknown): string | number | boolean | null {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "string") return redactOrThrow(value);
  if (value instanceof Error) return redactOrThrow(`${value.name}: ${value.message}`);
  return redactOrThrow(String(value));
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g;

function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function formatKey(key: string): string {
  return /^[\w.-]+$/.test(key) ? key : escapeControls(JSON.stringify(key));
}

function formatValue(value: string | number | boolean | null): string {
  if (typeof value !== "string") return String(value);
  return /^[\w.:/@+[\]-]+$/.test(value) ? value : escapeControls(JSON.stringify(value));
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
