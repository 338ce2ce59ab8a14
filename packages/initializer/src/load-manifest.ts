import path from "node:path";
import { type Env, SecretConfigError } from "@org/secrets-core";
import { describeFsError, fsErrorCode, readRegularFile } from "@org/secrets-core/provider";
import { defaultManifest } from "./default-manifest.js";
import { loadYamlParser, type Manifest, parseManifest } from "./manifest.js";

/**
 * The largest manifest file read, in bytes (1 MiB): ten thousand secrets with
 * descriptions fit comfortably. A larger file is refused before it is parsed.
 */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** File names looked for in the project directory, in order. */
export const MANIFEST_FILE_NAMES: readonly string[] = Object.freeze(["secrets.yaml", "secrets.yml"]);

export interface LoadManifestOptions {
  /** An explicit manifest file; it must exist. Overrides `SECRETS_MANIFEST`. */
  path?: string | undefined;
  /** The project directory: where relative paths and `secrets.yaml` are looked up (default `process.cwd()`). */
  cwd?: string | undefined;
  /** Read for `SECRETS_MANIFEST` (default `process.env`). */
  env?: Env | undefined;
}

/**
 * Find and parse the manifest:
 * 1. `options.path`, else `SECRETS_MANIFEST`: that file, which must exist;
 * 2. else `secrets.yaml` or `secrets.yml` in the project directory;
 * 3. else the built-in manifest (`source` is `"built-in"`).
 *
 * Throws a `SecretConfigError` when an explicit file is missing or unreadable,
 * and a `ManifestError` (with `file`, `line`, `column`) when it is invalid.
 */
export async function loadManifest(options: LoadManifestOptions = {}): Promise<Manifest> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const fromOption = options.path?.trim();
  const fromEnv = env.SECRETS_MANIFEST?.trim();
  const explicit = fromOption || fromEnv;

  if (explicit) {
    const origin = fromOption ? "the manifest option" : "SECRETS_MANIFEST";
    const file = path.resolve(cwd, explicit);
    const text = await readManifestFile(file, origin, fromOption ? "path" : "SECRETS_MANIFEST");
    if (text === undefined) {
      throw new SecretConfigError(
        `Secrets manifest ${shown(file, cwd)} (from ${origin}) does not exist: create it or point ${origin} at an existing file`,
        { field: fromOption ? "path" : "SECRETS_MANIFEST" },
      );
    }
    await loadYamlParser();
    return parseManifest(text, shown(file, cwd));
  }

  // Every name is looked up at once; a failure is reported for the first name, in this order, that failed.
  const files = MANIFEST_FILE_NAMES.map((name) => path.join(cwd, name));
  const reads = await Promise.allSettled(
    files.map((file, i) => readManifestFile(file, "the project directory", MANIFEST_FILE_NAMES[i] as string)),
  );
  const found: Array<{ file: string; text: string }> = [];
  for (const [i, read] of reads.entries()) {
    if (read.status === "rejected") throw read.reason;
    if (read.value !== undefined) found.push({ file: files[i] as string, text: read.value });
  }
  const [first, second] = found;
  if (first && second) {
    throw new SecretConfigError(
      `Both ${shown(first.file, cwd)} and ${shown(second.file, cwd)} exist: keep one manifest, or set SECRETS_MANIFEST`,
      { field: shown(second.file, cwd) },
    );
  }
  if (first) {
    await loadYamlParser();
    return parseManifest(first.text, shown(first.file, cwd));
  }
  return defaultManifest();
}

/**
 * The file's text, or `undefined` when it does not exist. Other failures (a
 * directory, a FIFO or device, more than `MAX_MANIFEST_BYTES`, not UTF-8) are
 * configuration errors naming the file. At most `MAX_MANIFEST_BYTES + 1` bytes
 * are ever read, whatever the file is.
 */
async function readManifestFile(file: string, origin: string, field: string): Promise<string | undefined> {
  const refuse = (reason: string, cause?: unknown): never => {
    throw new SecretConfigError(
      `Secrets manifest ${file} (from ${origin}) cannot be read: ${reason}`,
      cause === undefined ? { field } : { field, cause },
    );
  };
  const found = await readRegularFile(file, MAX_MANIFEST_BYTES);
  switch (found.kind) {
    case "missing":
      return undefined;
    case "directory":
      return refuse("it is a directory");
    case "not-a-file":
      return refuse(`it is ${found.type}, not a regular file`);
    case "too-large":
      return refuse(tooLarge());
    case "failed":
      return refuse(
        describeFsError(found.error, { codes: ["EISDIR", "EACCES", "EPERM"] }) ??
          fsErrorCode(found.error) ??
          "unknown error",
        found.error,
      );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(found.bytes);
  } catch {
    return refuse("it is not UTF-8 text");
  }
}

function tooLarge(): string {
  return `it is larger than ${MAX_MANIFEST_BYTES} bytes (1 MiB), the most a manifest may hold`;
}

/** A path relative to the project directory when it lies inside it, else absolute. */
function shown(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
