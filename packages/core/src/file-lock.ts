/**
 * An exclusive lock on a file across processes and hosts: a `file.lock` made
 * with O_EXCL, kept alive by a heartbeat, taken over when its holder is gone.
 */
import { type BigIntStats, constants, promises as fs } from "node:fs";
import path from "node:path";
import { backoffDelay, sleep, timerDelay } from "./backoff.js";
import { SecretConfigError, SecretError } from "./errors.js";
import { crypto, currentOwner, type Owner, processIsGone } from "./file-owner.js";
import { monotonicMs } from "./monotonic.js";

/** Default interval at which a holder refreshes its lock's heartbeat: 2 s. */
export const DEFAULT_LOCK_HEARTBEAT_MS = 2_000;
/** How late a live holder's heartbeat may fire (a busy event loop) and still keep its lock. */
const LATE_HEARTBEAT_MS = 1_000;
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
   * may differ), or without a readable owner, once its heartbeat has not moved
   * for this long while we wait, or for a third of it and a second more when
   * the heartbeat was already older than this when first seen.
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
    // No timer holds more than about 24.8 days: a longer interval would fire every millisecond.
  }, timerDelay(heartbeatMs));
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
  const started = monotonicMs();
  const owner: LockOwner = {
    ...currentOwner(),
    pid: process.pid,
    id: crypto().randomBytes(8).toString("hex"),
  };
  // The lock we are watching, since when (our own clock) its heartbeat has not moved, and
  // for how long it must stay still to be judged stale: staleMs, or one heartbeat's bound and a
  // margin (see stillFor) for a lock whose heartbeat was already older than staleMs when first seen.
  let watched: { key: string; since: number; stillFor: number } | undefined;
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
    const now = monotonicMs();
    if (sighting === undefined) {
      // Let go meanwhile: try again at once, the first time (a lock we cannot read is waited for).
      if (!unseen++) continue;
    } else {
      unseen = 0;
      if (watched?.key !== sighting.key)
        watched = { key: sighting.key, since: now, stillFor: stillFor(sighting, staleMs) };
      if (
        isStale(sighting, staleMs, now - watched.since >= watched.stillFor) &&
        (await takeOver(lock, sighting))
      ) {
        watched = undefined;
        continue;
      }
    }
    if (now - started > timeoutMs) throw lockTimeout(lock, timeoutMs, sighting?.owner);
    await sleep(backoffDelay(attempt, { baseMs: 10, capMs: 250 }), signal);
  }
}

/** The most of a lock file that is read: an owner line is far shorter. */
const MAX_OWNER_BYTES = 4096;

/**
 * The lock's identity, content and heartbeat, read through one handle so they
 * belong together. Opened non-blocking, and read only when it is a regular
 * file, at most MAX_OWNER_BYTES + 1 bytes of it: a FIFO put in its place would
 * hang the open, and a huge file the read. Anything else is a lock that cannot
 * be read, which is waited for (and times out).
 */
async function look(lock: string): Promise<LockSighting | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lock, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile()) return undefined;
    const buffer = Buffer.alloc(MAX_OWNER_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const owner = bytesRead > MAX_OWNER_BYTES ? undefined : parseOwner(buffer.toString("utf8", 0, bytesRead));
    return { stat, owner, key: `${stat.dev}:${stat.ino}:${stat.mtimeNs}:${owner?.id ?? ""}` };
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => {});
  }
}

function parseOwner(text: string): LockOwner | undefined {
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
 * How long a lock must be seen not to move before it is judged stale: its
 * holder heartbeats at least every `staleMs / 3`, so a lock whose heartbeat is
 * already older than `staleMs` by our clock (a crashed holder's, whatever it
 * holds: an empty file, a damaged one, another host's) is stale once it has not
 * moved for that long, and a second more for a holder whose timer fires late
 * (never more than `staleMs`). Another host's clock may be behind ours, so its
 * lock is still watched; but a live holder moves it within the bound, whatever
 * its clock says, and is never taken. A heartbeat younger than `staleMs` is
 * watched for `staleMs`.
 */
function stillFor(sighting: LockSighting, staleMs: number): number {
  if (Date.now() - Number(sighting.stat.mtimeMs) <= staleMs) return staleMs;
  return Math.min(staleMs, staleMs / 3 + LATE_HEARTBEAT_MS);
}

/**
 * Stale: made on this host by a process that has exited, or made on this host
 * with a heartbeat older than `staleMs` by the shared clock, or (anywhere) its
 * heartbeat has not moved for as long as we had to watch it (`watchedLongEnough`, see `stillFor`).
 */
function isStale(sighting: LockSighting, staleMs: number, watchedLongEnough: boolean): boolean {
  if (watchedLongEnough) return true;
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
  let closed: Promise<void> | undefined;
  try {
    const [ours, current] = await Promise.all([
      handle.stat({ bigint: true }),
      fs.stat(lock, { bigint: true }).catch(() => undefined),
    ]);
    if (current && current.dev === ours.dev && current.ino === ours.ino) {
      // Closed while the lock file is removed: nothing is written through the handle any more.
      closed = handle.close();
      await fs.unlink(lock);
    }
  } catch {
    // Could not remove it (or gone already): with no heartbeat any more, the next writer takes it over after staleMs.
  } finally {
    await (closed ?? handle.close()).catch(() => {});
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
