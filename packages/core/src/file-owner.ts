/**
 * Who this process is, for lock files and temporary file names: its host (and
 * PID namespace), a short tag of it, and whether another process still runs.
 */
import type * as Crypto from "node:crypto";
import { readlinkSync } from "node:fs";
import { hostname } from "node:os";

/** `node:crypto`, loaded on first use: reading a secret never needs it. */
export const crypto = (): typeof Crypto => process.getBuiltinModule("node:crypto");

export interface Owner {
  /** The host name. */
  host: string;
  /** The PID namespace (Linux), so two containers that share a host name are not taken for one. */
  ns: string;
}

let self: Owner | undefined;

/** This process's host, read once on first use. */
export function currentOwner(): Owner {
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
export function hostTag(owner: Owner = currentOwner()): string {
  return crypto().createHash("sha256").update(`${owner.host}\0${owner.ns}`).digest("hex").slice(0, 8);
}

/** Whether `pid` provably no longer runs here. EPERM means it runs (as another user). */
export function processIsGone(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
