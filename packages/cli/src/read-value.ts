import path from "node:path";
import { InvalidSecretValueError } from "@org/secrets-core";
import { describeFsError, fsErrorCode, readRegularFile } from "@org/secrets-core/provider";
import type { CliIO } from "./io.js";
import { UsageError } from "./usage-error.js";

/** The most `set` reads from stdin or a file when the provider declares no `maxValueBytes`: 1 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

/** A value over the limit: refused before anything is stored (exit 2). */
function tooLarge(secret: string, source: string, limit: number): InvalidSecretValueError {
  return new InvalidSecretValueError(undefined, {
    secret,
    reason: `the value from ${source} exceeds ${limit} bytes`,
  });
}

/**
 * Stdin, as bytes, up to `limit`: the read stops as soon as one byte more
 * arrives, so an endless pipe ends at once with an error, never in unbounded memory.
 */
export async function readStdin(io: CliIO, secret: string, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  const input = io.stdin;
  for await (const chunk of input) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > limit) {
      // Stop reading: a producer still writing gets EPIPE, not our memory.
      (input as { destroy?: () => void }).destroy?.();
      throw tooLarge(secret, "stdin", limit);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/**
 * A regular file's bytes, up to `limit`, with failures turned into usage
 * errors that name the file: missing, a directory, a FIFO or device (never
 * read: `/dev/zero` or a pipe would never end), unreadable, too large.
 */
export async function readValueFile(
  io: CliIO,
  file: string,
  option: string,
  secret: string,
  limit: number,
): Promise<Uint8Array> {
  const full = path.resolve(io.cwd, file);
  const refuse = (reason: string) =>
    new UsageError(`Cannot read ${option} ${file}: ${reason}`, { command: "set", field: option });
  const found = await readRegularFile(full, limit);
  switch (found.kind) {
    case "read":
      return found.bytes;
    case "missing":
      throw refuse("no such file");
    case "directory":
      throw refuse("it is a directory");
    case "not-a-file":
      throw refuse(`it is ${found.type}, not a regular file`);
    case "too-large":
      throw tooLarge(secret, `${option} ${file}`, limit);
    case "failed":
      throw refuse(reasonOf(found.error));
  }
}

/** The words for the codes a read of a value file meets; any other is shown as its code. */
const READ_FAILURES = { codes: ["ENOENT", "EISDIR", "EACCES", "EPERM"], words: { ENOENT: "no such file" } };

function reasonOf(error: unknown): string {
  return describeFsError(error, READ_FAILURES) ?? fsErrorCode(error) ?? "unreadable";
}

/**
 * Bytes to text, exactly: strict UTF-8 (invalid bytes are an error, not a
 * silent U+FFFD) and a leading byte-order mark is kept as part of the value.
 */
export function decodeValue(bytes: Uint8Array, secret: string, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InvalidSecretValueError(undefined, { secret, reason: `${source} is not valid UTF-8 text` });
  }
}
