import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Env, SecretConfigError } from "@org/secrets-core";
import { defaultManifest } from "./default-manifest.js";
import { loadYamlParser, type Manifest, parseManifest } from "./manifest.js";

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

  const found: Array<{ file: string; text: string }> = [];
  for (const name of MANIFEST_FILE_NAMES) {
    const file = path.join(cwd, name);
    const text = await readManifestFile(file, "the project directory", name);
    if (text !== undefined) found.push({ file, text });
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

/** The file's text, or `undefined` when it does not exist. Other failures are configuration errors. */
async function readManifestFile(file: string, origin: string, field: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === "ENOENT") return undefined;
    const reason =
      code === "EISDIR"
        ? "it is a directory"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied"
          : code;
    throw new SecretConfigError(
      `Secrets manifest ${file} (from ${origin}) cannot be read: ${reason ?? "unknown error"}`,
      {
        field,
        cause: error,
      },
    );
  }
}

/** A path relative to the project directory when it lies inside it, else absolute. */
function shown(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
