import { randomBytes } from "node:crypto";
import { type BigIntStats, constants, promises as fs } from "node:fs";
import path from "node:path";
import { backoffDelay, sleep } from "./backoff.js";
import { SecretError } from "./errors.js";

export interface WriteSecretFileOptions {
  /** File mode; secrets files are `0o600` (owner read/write only). */
  mode?: number;
}

/**
 * Write a file that holds secrets: to a temporary file beside the target,
 * created with mode 0600, flushed, then renamed over the target. A reader sees
 * the old file or the new one, never half of one; a crash leaves no partial file.
 */
export async function writeSecretFile(
  file: string,
  data: string | Uint8Array,
  options: WriteSecretFileOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw fileWriteError(error, file, dir);
  }
  await syncDirectory(dir);
}

/** A one-line error naming the file the caller asked for (not our temporary file). */
function fileWriteError(error: unknown, file: string, dir: string): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  const reason =
    code === "ENOENT"
      ? `the directory ${dir} does not exist`
      : code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "ENOTDIR"
            ? "a part of the path is not a directory"
            : code === "ENOSPC"
              ? "no space left on the device"
              : code === "EROFS"
                ? "the file system is read-only"
                : undefined;
  if (reason === undefined) return error;
  return new SecretError("INVALID_CONFIG", `Cannot write ${file}: ${reason}`, { cause: error });
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch {
    // Not every platform can fsync a directory; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => {});
  }
}

export interface FileLockOptions {
  /** How long to wait for the lock before failing (default 10 s). */
  timeoutMs?: number;
  /** A lock older than this whose owner cannot be seen is taken over (default 30 s). */
  staleMs?: number;
}

/**
 * Run `fn` while holding an exclusive lock on `file` (a `file.lock` beside it,
 * created with O_EXCL). Processes that write the same file take turns, so a
 * read-modify-write in `fn` never loses another process's change.
 */
export async function withFileLock<T>(
  file: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lock = `${path.resolve(file)}.lock`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lock, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const stale = await staleLock(lock, staleMs);
      if (stale) {
        // Remove it only if it is still the very file judged stale: between our
        // look and now its holder may have let go and another process taken a
        // new lock at the same path, which must not be broken.
        const now = await fs.stat(lock, { bigint: true }).catch(() => undefined);
        if (now && now.ino === stale.ino && now.mtimeNs === stale.mtimeNs) await fs.rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new SecretError(
          "TIMEOUT",
          `Timed out waiting for the lock on ${path.basename(file)}: if no other process is writing it, remove ${lock}`,
        );
      }
      await sleep(backoffDelay(attempt, { baseMs: 10, capMs: 200 }));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/** A holder that died this recently may be a lock that was just let go: wait a moment longer. */
const DEAD_HOLDER_GRACE_MS = 1000;

/**
 * The lock's identity when it is stale: its holder no longer runs (and it is
 * not brand new), or it is older than `staleMs` with no holder written in it.
 * Content and identity are read through one handle, so they belong together.
 */
async function staleLock(lock: string, staleMs: number): Promise<BigIntStats | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lock, "r");
  } catch {
    return undefined; // gone already: try to take it
  }
  try {
    const stat = await handle.stat({ bigint: true });
    const content = await handle.readFile("utf8");
    const age = Date.now() - Number(stat.mtimeMs);
    const pid = Number.parseInt(content, 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      if (age < DEAD_HOLDER_GRACE_MS) return undefined;
      try {
        process.kill(pid, 0);
        return undefined;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "ESRCH" ? stat : undefined;
      }
    }
    return age > staleMs ? stat : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => {});
  }
}
