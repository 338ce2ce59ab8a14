/**
 * The temporary files of atomic writes: how they are named (target, locked or
 * not, host tag, PID) and how the leftovers of killed writers are removed.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { crypto, hostTag, processIsGone } from "./file-owner.js";

/**
 * `.<target>.<l|u>-<host tag>-<pid>-<random>.tmp`: the target, whether the
 * writer held the lock, and which process on which host wrote it. Nothing else
 * in the directory (not the temporary files of `<target>.local`) matches.
 */
export function tempName(base: string, locked: boolean): string {
  return `.${base}.${locked ? "l" : "u"}-${hostTag()}-${process.pid}-${crypto().randomBytes(6).toString("hex")}.tmp`;
}

const TEMP = /^([lu])-([0-9a-f]{8})-(\d{1,10})-([0-9a-f]{12})\.tmp$/;

/**
 * Remove the temporary files other writers of `base` left behind (see
 * `writeSecretFile`), never `own` (the caller's, being written). Best effort.
 */
export async function removeLeftovers(
  dir: string,
  base: string,
  locked: boolean,
  maxAgeMs: number,
  own?: string,
): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return; // the write itself reports a missing or unreadable directory
  }
  const prefix = `.${base}.`;
  const here = hostTag();
  for (const name of names) {
    if (!name.startsWith(prefix) || name === own) continue;
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
