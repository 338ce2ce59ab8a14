import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import path from "node:path";
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
  let delay = 5;
  for (;;) {
    try {
      const handle = await fs.open(lock, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (await isStale(lock, staleMs)) {
        await fs.rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new SecretError(
          "TIMEOUT",
          `Timed out waiting for the lock on ${path.basename(file)}: if no other process is writing it, remove ${lock}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 100);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

async function isStale(lock: string, staleMs: number): Promise<boolean> {
  try {
    const [content, stat] = await Promise.all([fs.readFile(lock, "utf8"), fs.stat(lock)]);
    const pid = Number.parseInt(content, 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
      }
      return false;
    }
    return Date.now() - stat.mtimeMs > staleMs;
  } catch {
    return false;
  }
}
