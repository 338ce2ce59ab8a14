import { realpathSync } from "node:fs";
import path from "node:path";
import { resolveWriteTarget } from "@org/secrets-core/provider";

/**
 * Whether a write of `a` and a write of `b` replace one file: each path taken to
 * the file a write of it replaces (core's `resolveWriteTarget`, which follows
 * every symbolic link, a dangling one included), in its directory with every
 * link followed (`link-to-dir/new.env` is the new file in the linked directory).
 */
export async function isSameFile(a: string, b: string): Promise<boolean> {
  return (await writtenFile(a)) === (await writtenFile(b));
}

/**
 * The lock file a writer of `file` takes (core's `withFileLock` beside the
 * file a write replaces, as the env provider locks its dotenv file).
 */
export async function lockFileOf(file: string): Promise<string> {
  return `${await writtenFile(file)}.lock`;
}

async function writtenFile(file: string): Promise<string> {
  // What is there cannot be written (a directory, a device): the write itself says so.
  const target = await resolveWriteTarget(file).catch(() => path.resolve(file));
  return path.join(realDirectory(path.dirname(target)), path.basename(target));
}

/** The directory with every symbolic link followed, for the part of it that exists. */
function realDirectory(directory: string): string {
  try {
    return realpathSync.native(directory);
  } catch {
    const parent = path.dirname(directory);
    return parent === directory ? directory : path.join(realDirectory(parent), path.basename(directory));
  }
}
