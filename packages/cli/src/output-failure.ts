/*
 * What to say when stdout cannot be written. Loads nothing: `--version` uses it too.
 */
import { type ErrorLineOptions, errorLine } from "./error-line.js";

/** Why a write failed, by the system's error code, in words. */
const REASONS: Readonly<Record<string, string>> = Object.assign(Object.create(null), {
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  EFBIG: "the file is too large",
  EIO: "an input/output error",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EBADF: "it is not open for writing",
  ECONNRESET: "the reader reset the connection",
});

/**
 * A reader that went away (`secrets export | head -c1`): not an error to
 * report, the run ends quietly with 141, as a program killed by SIGPIPE does.
 */
export function isClosedReader(error: unknown): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

/** `cannot write the output: no space left on the device (ENOSPC)`: the reason and the code, never a path. */
export function outputFailureMessage(error: unknown): string {
  const raw = (error as { code?: unknown } | null | undefined)?.code;
  const code = typeof raw === "string" && /^[A-Z0-9_]{1,40}$/.test(raw) ? raw : undefined;
  const reason = (code !== undefined && REASONS[code]) || "the write failed";
  return `cannot write the output: ${reason}${code === undefined ? "" : ` (${code})`}`;
}

/** The error line for a failed write of stdout, as the CLI prints errors (code `OUTPUT_FAILED` in JSON). */
export function outputFailureLine(error: unknown, options: ErrorLineOptions): string {
  return errorLine(outputFailureMessage(error), "OUTPUT_FAILED", options);
}
