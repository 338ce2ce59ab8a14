import { readFile } from "node:fs/promises";
import path from "node:path";
import { InvalidSecretValueError } from "@org/secrets-core";
import type { CliIO } from "./io.js";
import { UsageError } from "./usage-error.js";

/** All of stdin, as bytes. */
export async function readStdin(io: CliIO): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** A file's bytes, with read failures turned into usage errors that name the file. */
export async function readValueFile(io: CliIO, file: string, option: string): Promise<Uint8Array> {
  const full = path.resolve(io.cwd, file);
  try {
    return await readFile(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : (code ?? "unreadable");
    throw new UsageError(`Cannot read ${option} ${file}: ${reason}`, { command: "set", field: option });
  }
}

/**
 * Bytes to text, exactly: strict UTF-8 (invalid bytes are an error, not a
 * silent U+FFFD) and a leading byte-order mark is kept as part of the value.
 */
export function decodeValue(bytes: Uint8Array, secret: string, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InvalidSecretValueError(secret, `${source} is not valid UTF-8 text`);
  }
}
