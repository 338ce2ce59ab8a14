/**
 * Atomic writes of files that hold secrets: a temporary file beside the target,
 * mode 0600, flushed and renamed over it, with a one-line error naming the file.
 */
import { constants, promises as fs, type Stats } from "node:fs";
import path from "node:path";
import { SecretError, type SecretErrorCode } from "./errors.js";
import { fileTypeOf } from "./fs-calls.js";
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
  /**
   * Checked before anything is written and right before the rename: once it
   * has aborted, the temporary file is removed and the target is not replaced,
   * and the write rejects with the signal's reason. A write reported as failed
   * (a caller's deadline) is then never stored after all.
   */
  signal?: AbortSignal | undefined;
  /**
   * Called once the new content is written and flushed, right before the
   * rename: a caller that read the file first checks here that nothing changed
   * it since (a program that does not take the lock, such as an editor). What
   * it throws abandons the write: the temporary file is removed, the target is
   * left as it was, and the write rejects with that error.
   */
  beforeReplace?: (() => Promise<void>) | undefined;
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
 *
 * A symbolic link is written through: the file it finally names is replaced
 * (or created), and the link stays (see `resolveWriteTarget`). What is
 * replaced must be a regular file: a directory, device, FIFO or socket (or a
 * link to one) is refused with a one-line `SecretError` naming it.
 */
export async function writeSecretFile(
  file: string,
  data: string | Uint8Array,
  options: WriteSecretFileOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const signal = options.signal;
  signal?.throwIfAborted();
  const target = await findWriteTarget(file);
  const dir = path.dirname(target.path);
  const base = path.basename(target.path);
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
    if (target.existing !== undefined) await keepOwner(handle, target.existing);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await leftovers;
    // The last moment to give up: after the rename the write has happened.
    signal?.throwIfAborted();
    await options.beforeReplace?.();
    signal?.throwIfAborted();
    await fs.rename(tmp, target.path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    await leftovers;
    await (await directory)?.close().catch(() => {});
    if (signal?.aborted && error === signal.reason) throw error;
    const dirExists = await fs.stat(dir).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    throw fileWriteError(error, file, dir, dirExists);
  }
  await syncDirectory(await directory);
}

/**
 * Give the new file (`handle`, not yet renamed) the owner and group of the
 * file it replaces, so that a write by root (a deploy step, an init container)
 * does not take an application's own file away from it. The mode stays as
 * given. Keeping them is best effort, never a reason to lose the write: another
 * user may only keep a group it belongs to, and root may be refused too (root
 * mapped to nobody on an NFS export): what cannot be kept is not an error, and
 * the new file is the writer's own, as any file it creates.
 */
async function keepOwner(handle: fs.FileHandle, existing: Stats): Promise<void> {
  if (process.platform === "win32") return;
  const mine = await handle.stat();
  if (mine.uid === existing.uid && mine.gid === existing.gid) return;
  try {
    await handle.chown(existing.uid, existing.gid);
    return;
  } catch {
    // Not allowed to give the file away: keep at least the group, where we may.
  }
  if (mine.gid !== existing.gid) await handle.chown(-1, existing.gid).catch(() => {});
}

/** The most symbolic links followed from the path a write was given: the kernel's own limit. */
const MAX_SYMBOLIC_LINKS = 40;

/** The file a write replaces, and what is there now (`undefined`: nothing yet). */
interface WriteTarget {
  path: string;
  existing: Stats | undefined;
}

/**
 * The file a write of `file` replaces, as an absolute path: `file` itself, or,
 * when `file` is a symbolic link, the file the chain of links finally names
 * (at most 40 links are followed), which may not exist yet. Replacing that file
 * leaves the links in place. Throws a one-line `SecretError` (code
 * `INVALID_CONFIG`) when the chain is longer, or when what is there is not a
 * regular file: a write never replaces a directory, device, FIFO or socket.
 */
export async function resolveWriteTarget(file: string): Promise<string> {
  return (await findWriteTarget(file)).path;
}

async function findWriteTarget(file: string): Promise<WriteTarget> {
  const start = path.resolve(file);
  let current = start;
  for (let links = 0; ; links++) {
    let stats: Stats;
    try {
      stats = await fs.lstat(current);
    } catch {
      // Nothing there yet (or a directory we may not search): the write itself says why it fails.
      return { path: current, existing: await notThroughMagicLink(file, start, current) };
    }
    if (!stats.isSymbolicLink()) {
      if (!stats.isFile()) throw notARegularFile(file, start, current, fileTypeOf(stats));
      return { path: current, existing: stats };
    }
    if (links === MAX_SYMBOLIC_LINKS)
      throw new SecretError(
        `Cannot write ${file}: it leads through more than ${MAX_SYMBOLIC_LINKS} symbolic links`,
        { code: "INVALID_CONFIG" },
      );
    current = await nextLink(current, await fs.readlink(current));
  }
}

/**
 * Where the link at `link` points to (`target`, its text), as an absolute path.
 * The directory part is resolved by the system, which reads `..` after a
 * linked directory as the kernel does; the last part is kept, so that a link
 * to a file that does not exist yet still names it.
 */
async function nextLink(link: string, target: string): Promise<string> {
  const joined = path.isAbsolute(target) ? target : `${path.dirname(link)}${path.sep}${target}`;
  const base = path.basename(joined);
  if (base === "" || base === "." || base === "..") return path.resolve(joined);
  const dir = await fs.realpath(path.dirname(joined)).catch(() => path.resolve(path.dirname(joined)));
  return path.join(dir, base);
}

/**
 * A link the system resolves without a path (`/proc/self/fd/1`, which names a
 * pipe or a terminal as `pipe:[1234]`) leads to no file a write could name:
 * what it leads to must not be taken for a file that does not exist yet.
 */
async function notThroughMagicLink(file: string, start: string, found: string): Promise<undefined> {
  if (found === start) return undefined;
  const stats = await fs.stat(start).catch(() => undefined);
  if (stats !== undefined && !stats.isFile())
    throw new SecretError(
      `Cannot write ${file}: it is a symbolic link to ${fileTypeOf(stats)}, not to a regular file`,
      { code: "INVALID_CONFIG" },
    );
  return undefined;
}

/** What is at `found` (reached from `start`, which `file` names) is not a regular file. */
function notARegularFile(file: string, start: string, found: string, type: string): SecretError {
  const what = found === start ? `it is ${type}` : `it is a symbolic link to ${found}, which is ${type}`;
  return new SecretError(`Cannot write ${file}: ${what}, not a regular file`, { code: "INVALID_CONFIG" });
}

/** Codes that say the path given cannot name a file to write: an input error, as a directory or device there is. */
const PATH_CODES: readonly string[] = ["ENOTDIR", "EISDIR", "ELOOP", "ENAMETOOLONG"];

/**
 * A one-line error naming the file the caller asked for (not our temporary
 * file). Its code says whose the failure is: a path that cannot name a file to
 * write is `INVALID_CONFIG` (the caller's input); permission refused is
 * `ACCESS_DENIED`; any other refusal of the file system (no space left, a
 * read-only file system, an I/O error) is `PROVIDER_UNAVAILABLE`, or
 * `PROVIDER_ERROR` for a code without words, as the env provider words its own.
 */
function fileWriteError(error: unknown, file: string, dir: string, dirExists: boolean): unknown {
  if (error instanceof SecretError) return error;
  const code = fsErrorCode(error);
  if (code === undefined) return error;
  const words =
    code === "ENOENT"
      ? dirExists
        ? "its temporary file was removed while it was being written (another writer judged it left over)"
        : `the directory ${dir} does not exist`
      : describeFsError(error);
  const secretCode: SecretErrorCode =
    (code === "ENOENT" && !dirExists) || PATH_CODES.includes(code)
      ? "INVALID_CONFIG"
      : code === "EACCES" || code === "EPERM"
        ? "ACCESS_DENIED"
        : words === undefined
          ? "PROVIDER_ERROR"
          : "PROVIDER_UNAVAILABLE";
  return new SecretError(`Cannot write ${file}: ${words ?? code}`, { code: secretCode, cause: error });
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
