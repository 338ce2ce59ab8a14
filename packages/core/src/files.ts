import type * as Crypto from "node:crypto";
import { type BigIntStats, constants, promises as fs, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { backoffDelay, sleep } from "./backoff.js";
import { SecretConfigError, SecretError } from "./errors.js";

/** `node:crypto`, loaded on first use: reading a secret never needs it. */
const crypto = (): typeof Crypto => process.getBuiltinModule("node:crypto");

// ---------------------------------------------------------------------------
// Who we are, for lock files and temporary file names

interface Owner {
  /** The host name. */
  host: string;
  /** The PID namespace (Linux), so two containers that share a host name are not taken for one. */
  ns: string;
}

let self: Owner | undefined;

/** This process's host, read once on first use. */
function currentOwner(): Owner {
  if (self) return self;
  let ns = "";
  try {
    ns = readlinkSync("/proc/self/ns/pid");
  } catch {
    // No /proc: the host name alone says which machine made a lock.
  }
  self = { host: hostname(), ns };
  return self;
}

/** A short tag for this host (and PID namespace), safe in a file name. */
function hostTag(owner: Owner = currentOwner()): string {
  return crypto().createHash("sha256").update(`${owner.host}\0${owner.ns}`).digest("hex").slice(0, 8);
}

/** Whether `pid` provably no longer runs here. EPERM means it runs (as another user). */
function processIsGone(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

// ---------------------------------------------------------------------------
// Atomic writes

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
 * `.<target>.<l|u>-<host tag>-<pid>-<random>.tmp`: the target, whether the
 * writer held the lock, and which process on which host wrote it. Nothing else
 * in the directory (not the temporary files of `<target>.local`) matches.
 */
function tempName(base: string, locked: boolean): string {
  return `.${base}.${locked ? "l" : "u"}-${hostTag()}-${process.pid}-${crypto().randomBytes(6).toString("hex")}.tmp`;
}

const TEMP = /^([lu])-([0-9a-f]{8})-(\d{1,10})-([0-9a-f]{12})\.tmp$/;

/**
 * Write a file that holds secrets: to a temporary file beside the target,
 * created with mode 0600, flushed, then renamed over the target. A reader sees
 * the old file or the new one, never half of one; a crash leaves no partial file.
 *
 * A writer killed between writing and renaming leaves its full temporary copy
 * behind. Each write therefore removes the leftovers of the same target first:
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
  await removeLeftovers(dir, base, options.locked === true, options.leftoverAgeMs ?? DEFAULT_LEFTOVER_AGE_MS);
  const tmp = path.join(dir, tempName(base, options.locked === true));
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
    const dirExists = await fs.stat(dir).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    throw fileWriteError(error, file, dir, dirExists);
  }
  await syncDirectory(dir);
}

/** Remove the temporary files other writers of `base` left behind (see `writeSecretFile`). Best effort. */
async function removeLeftovers(dir: string, base: string, locked: boolean, maxAgeMs: number): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return; // the write itself reports a missing or unreadable directory
  }
  const prefix = `.${base}.`;
  const here = hostTag();
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = TEMP.exec(name.slice(prefix.length));
    if (!match) continue;
    const [, kind, tag, pid] = match;
    const full = path.join(dir, name);
    let remove = (locked && kind === "l") || (tag === here && processIsGone(Number(pid)));
    if (!remove) {
      const stats = await fs.lstat(full).catch(() => undefined);
      remove = stats?.isFile() === true && Date.now() - stats.mtimeMs > maxAgeMs;
    }
    if (remove) await fs.rm(full, { force: true }).catch(() => {});
  }
}

/** A one-line error naming the file the caller asked for (not our temporary file). */
function fileWriteError(error: unknown, file: string, dir: string, dirExists: boolean): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  const reason =
    code === "ENOENT"
      ? dirExists
        ? "its temporary file was removed while it was being written (another writer judged it left over)"
        : `the directory ${dir} does not exist`
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
  return new SecretError(`Cannot write ${file}: ${reason}`, { code: "INVALID_CONFIG", cause: error });
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

// ---------------------------------------------------------------------------
// The lock

/** Default interval at which a holder refreshes its lock's heartbeat: 2 s. */
export const DEFAULT_LOCK_HEARTBEAT_MS = 2_000;
/** Default age of a heartbeat after which a lock is taken over: 15 s. */
export const DEFAULT_LOCK_STALE_MS = 15_000;
/** Default time to wait for a lock before failing: 30 s. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

export interface FileLockOptions {
  /**
   * How long to wait for the lock before failing with a `TIMEOUT` error that
   * names the lock file (default 30 s). Keep it above `staleMs`, so that a
   * crashed holder's lock is always taken over before a waiter gives up.
   */
  timeoutMs?: number;
  /**
   * A lock whose heartbeat is older than this is taken over (default 15 s).
   * A lock made on this host is judged by its modification time; one made
   * elsewhere (another container or machine on a shared volume, whose clock
   * may differ) once its heartbeat has not moved for this long while we wait.
   */
  staleMs?: number;
  /** How often the holder refreshes its heartbeat (default 2 s; at most a third of `staleMs`). */
  heartbeatMs?: number;
  /** Stops waiting for the lock (the wait then fails with the signal's reason). */
  signal?: AbortSignal | undefined;
}

/** What a lock file says about its holder: one line of JSON. */
interface LockOwner extends Owner {
  pid: number;
  /** Random: tells this lock from a later one at the same path. */
  id: string;
}

/** What a waiter saw of a lock file. */
interface LockSighting {
  stat: BigIntStats;
  owner: LockOwner | undefined;
  /** Changes whenever the holder heartbeats or the file is replaced. */
  key: string;
}

/**
 * Run `fn` while holding an exclusive lock on `file` (a `file.lock` beside it,
 * created with O_EXCL). Processes that write the same file take turns, so a
 * read-modify-write in `fn` never loses another process's change.
 *
 * The holder proves it is alive by refreshing the lock file's modification
 * time every `heartbeatMs`. A waiter takes the lock over when that heartbeat is
 * older than `staleMs` (so a crashed holder's lock is taken within `staleMs`),
 * or at once when the lock was made on this host by a process that has exited.
 * A live holder keeps its lock wherever it runs, as long as it heartbeats.
 */
export async function withFileLock<T>(
  file: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lock = `${path.resolve(file)}.lock`;
  const timeoutMs = positive(options.timeoutMs, DEFAULT_LOCK_TIMEOUT_MS, "timeoutMs");
  const staleMs = positive(options.staleMs, DEFAULT_LOCK_STALE_MS, "staleMs");
  const heartbeatMs = positive(
    options.heartbeatMs,
    Math.min(DEFAULT_LOCK_HEARTBEAT_MS, staleMs / 3),
    "heartbeatMs",
  );
  if (heartbeatMs * 3 > staleMs)
    throw new SecretConfigError("The lock's heartbeatMs must be at most a third of staleMs", {
      field: "heartbeatMs",
    });
  const held = await acquire(lock, timeoutMs, staleMs, options.signal);
  const beat = setInterval(() => {
    const now = new Date();
    // Through our own descriptor: if our lock was ever replaced, this touches only our old file.
    held.handle.utimes(now, now).catch(() => {});
  }, heartbeatMs);
  beat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    await release(lock, held.handle);
  }
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new SecretConfigError(`The lock's ${field} must be a positive number of milliseconds`, { field });
  return value;
}

async function acquire(
  lock: string,
  timeoutMs: number,
  staleMs: number,
  signal: AbortSignal | undefined,
): Promise<{ handle: fs.FileHandle }> {
  const started = performance.now();
  const owner: LockOwner = {
    ...currentOwner(),
    pid: process.pid,
    id: crypto().randomBytes(8).toString("hex"),
  };
  // The lock we are watching and since when (our own clock) its heartbeat has not moved.
  let watched: { key: string; since: number } | undefined;
  let unseen = 0;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(lock, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR, 0o600);
      await handle.writeFile(`${JSON.stringify(owner)}\n`);
      return { handle };
    } catch (error) {
      if (handle) {
        // Created but not written (a full disk?): let it go rather than leave an anonymous lock.
        await handle.close().catch(() => {});
        await fs.rm(lock, { force: true }).catch(() => {});
        throw error;
      }
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const sighting = await look(lock);
    const now = performance.now();
    if (sighting === undefined) {
      // Let go meanwhile: try again at once, the first time (a lock we cannot read is waited for).
      if (!unseen++) continue;
    } else {
      unseen = 0;
      if (watched?.key !== sighting.key) watched = { key: sighting.key, since: now };
      if (isStale(sighting, staleMs, now - watched.since) && (await takeOver(lock, sighting))) {
        watched = undefined;
        continue;
      }
    }
    if (now - started > timeoutMs) throw lockTimeout(lock, timeoutMs, sighting?.owner);
    await sleep(backoffDelay(attempt, { baseMs: 10, capMs: 250 }), signal);
  }
}

/** The lock's identity, content and heartbeat, read through one handle so they belong together. */
async function look(lock: string): Promise<LockSighting | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lock, "r");
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    const owner = parseOwner(await handle.readFile("utf8"));
    return { stat, owner, key: `${stat.dev}:${stat.ino}:${stat.mtimeNs}:${owner?.id ?? ""}` };
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => {});
  }
}

function parseOwner(text: string): LockOwner | undefined {
  if (text.length > 4096) return undefined;
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (
      value &&
      typeof value.host === "string" &&
      typeof value.ns === "string" &&
      typeof value.id === "string" &&
      Number.isSafeInteger(value.pid)
    )
      return { host: value.host, ns: value.ns, pid: value.pid as number, id: value.id };
  } catch {
    // An older lock format, or one being written right now: judged by its heartbeat alone.
  }
  return undefined;
}

/**
 * Stale: made on this host by a process that has exited, or made on this host
 * with a heartbeat older than `staleMs` by the shared clock, or (anywhere) its
 * heartbeat has not moved for `staleMs` while we watched.
 */
function isStale(sighting: LockSighting, staleMs: number, unchangedForMs: number): boolean {
  if (unchangedForMs >= staleMs) return true;
  const me = currentOwner();
  const owner = sighting.owner;
  if (!owner || owner.host !== me.host || owner.ns !== me.ns) return false;
  if (processIsGone(owner.pid)) return true;
  return Date.now() - Number(sighting.stat.mtimeMs) > staleMs;
}

/**
 * Remove the stale lock, and only it: it is first moved aside under a name of
 * our own (so two waiters can never both remove it, nor one remove the lock the
 * other has just made), then checked to be the very file judged stale. If it is
 * not (its holder let go and another process locked meanwhile) it is put back.
 */
async function takeOver(lock: string, stale: LockSighting): Promise<boolean> {
  const again = await look(lock);
  if (!again) return true; // gone already: try to lock at once
  if (again.key !== stale.key) return false;
  const aside = `${lock}.${crypto().randomBytes(6).toString("hex")}.stale`;
  try {
    await fs.rename(lock, aside);
  } catch (error) {
    // Moved by another waiter first (try again), or we may not move it (wait, then time out).
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
  const moved = await look(aside);
  if (moved && moved.key !== stale.key) {
    // Not the lock we judged: give it back to its holder.
    await fs.link(aside, lock).catch(() => {});
  }
  await fs.rm(aside, { force: true }).catch(() => {});
  return true;
}

/** Remove our lock file, unless it is no longer ours (then it belongs to whoever took it over). */
async function release(lock: string, handle: fs.FileHandle): Promise<void> {
  try {
    const [ours, current] = await Promise.all([
      handle.stat({ bigint: true }),
      fs.stat(lock, { bigint: true }).catch(() => undefined),
    ]);
    if (current && current.dev === ours.dev && current.ino === ours.ino) await fs.rm(lock, { force: true });
  } catch {
    // Could not remove it: with no heartbeat any more, the next writer takes it over after staleMs.
  } finally {
    await handle.close().catch(() => {});
  }
}

function lockTimeout(lock: string, timeoutMs: number, owner: LockOwner | undefined): SecretError {
  const holder = owner
    ? ` (held by process ${owner.pid} on ${owner.host === currentOwner().host ? "this host" : `host ${owner.host}`}, which is still refreshing it)`
    : "";
  return new SecretError(
    `Timed out after ${formatSeconds(timeoutMs)} waiting for the lock ${lock}${holder}: if no other process is writing the file, remove the lock file`,
    { code: "TIMEOUT" },
  );
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
