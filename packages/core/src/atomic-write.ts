/**
 * Atomic writes of files that hold secrets: a temporary file beside the target,
 * mode 0600, flushed and renamed over it, with a one-line error naming the file.
 */
import { constants, promises as fs } from "node:fs";
import path from "node:path";
import { SecretError } from "./errors.js";
import { describeFsError, fsErrorCode } from "./fs-errors.js";
import { removeLeftovers, tempName } from "./leftovers.js";

export interface WriteSecretFileOptions {
  /** File mode; secrets files are `0o600` (owner read/write only). */
  mode?: number;
  /**
   * Set this when the caller holds `withFileLock` on `file` and every writer of
   * `file` does the same: temporary files left behind by an earlier locked
   * writer that was killed are then removed at once, whatever their age.
   */
  locked?: boolean;
  /**
   * A leftover temporary file of the same target is removed once it is older
   * than this (default 15 minutes), or at once when its writer ran on this host
   * and has exited. A live writer's temporary file is never this old.
   */
  leftoverAgeMs?: number;
}

/** Default age after which another writer's leftover temporary file is removed: 15 minutes. */
export const DEFAULT_LEFTOVER_AGE_MS = 15 * 60_000;

/**
 * Write a file that holds secrets: to a temporary file beside the target,
 * created with mode 0600, flushed, then renamed over the target. A reader sees
 * the old file or the new one, never half of one; a crash leaves no partial file.
 *
 * A writer killed between writing and renaming leaves its full temporary copy
 * behind. Each write therefore removes the leftovers of the same target (while it
 * writes its own temporary file, and before it renames it):
 * those of a locked writer when `locked` is set (the lock proves their writer is
 * gone), those whose writer ran on this host and has exited, and any older than
 * `leftoverAgeMs`. The temporary file of a writer that is still running is never removed.
 */
export async function writeSecretFile(
  file: string,
  data: string | Uint8Array,
  options: WriteSecretFileOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const resolved = path.resolve(file);
  const dir = path.dirname(resolved);
  const base = path.basename(resolved);
  const tmp = path.join(dir, tempName(base, options.locked === true));
  // While the file is written: the leftovers are removed (never this write's own temporary
  // file), and the directory is opened for the flush that makes the rename durable.
  const leftovers = removeLeftovers(
    dir,
    base,
    options.locked === true,
    options.leftoverAgeMs ?? DEFAULT_LEFTOVER_AGE_MS,
    path.basename(tmp),
  ).catch(() => {});
  const directory = fs.open(dir, "r").catch(() => undefined);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await leftovers;
    await fs.rename(tmp, file);
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    await leftovers;
    await (await directory)?.close().catch(() => {});
    const dirExists = await fs.stat(dir).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    throw fileWriteError(error, file, dir, dirExists);
  }
  await syncDirectory(await directory);
}
/** A one-line error naming the file the caller asked for (not our temporary file). */
function fileWriteError(error: unknown, file: string, dir: string, dirExists: boolean): unknown {
  const reason =
    fsErrorCode(error) === "ENOENT"
      ? dirExists
        ? "its temporary file was removed while it was being written (another writer judged it left over)"
        : `the directory ${dir} does not exist`
      : describeFsError(error);
  if (reason === undefined) return error;
  return new SecretError(`Cannot write ${file}: ${reason}`, { code: "INVALID_CONFIG", cause: error });
}

/** Flush the directory through `handle` (opened beforehand), and close it. */
async function syncDirectory(handle: fs.FileHandle | undefined): Promise<void> {
  try {
    await handle?.sync();
  } catch {
    // Not every platform can fsync a directory; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => {});
  }
}
