import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { open, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { SecretError } from "../src/index.js";
import { withFileLock, writeSecretFile } from "../src/provider.js";

const dir = mkdtempSync(path.join(tmpdir(), "secrets-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/provider.js");

/** This host as a lock file records it: host name and PID namespace. */
function thisHost(): { host: string; ns: string } {
  let ns = "";
  try {
    ns = readlinkSync("/proc/self/ns/pid");
  } catch {}
  return { host: hostname(), ns };
}

/** A lock file as a holder writes it. */
function writeLock(file: string, owner: { host: string; ns: string; pid: number; id?: string }): string {
  const lock = `${file}.lock`;
  writeFileSync(lock, `${JSON.stringify({ id: "0123456789abcdef", ...owner })}\n`);
  return lock;
}

/** A pid no process has (beyond the kernel's maximum). */
const DEAD_PID = 999_999_999;

function runNode(script: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
    child.on("exit", resolve);
  });
}

const tagOf = (owner: { host: string; ns: string }) =>
  createHash("sha256").update(`${owner.host}\0${owner.ns}`).digest("hex").slice(0, 8);

describe("writeSecretFile", () => {
  it("writes with mode 0600 and leaves no temporary file", async () => {
    const file = path.join(dir, "a.env");
    await writeSecretFile(file, "A=1\n");
    expect(readFileSync(file, "utf8")).toBe("A=1\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("tightens the mode of a file that was world-readable", async () => {
    const file = path.join(dir, "loose.env");
    writeFileSync(file, "OLD=1\n", { mode: 0o644 });
    await writeSecretFile(file, "NEW=1\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("names the requested file, not a temporary one, when it cannot write", async () => {
    const target = path.join(dir, "missing-dir", "out.env");
    const error = await writeSecretFile(target, "X=1\n").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    expect((error as Error).message).toBe(
      `Cannot write ${target}: the directory ${path.dirname(target)} does not exist`,
    );
  });

  it("says whose a failure is by its code: the file system's, or the path given", async () => {
    const readOnly = path.join(dir, "read-only");
    mkdirSync(readOnly);
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=16k", "tmpfs", readOnly]);
    try {
      const refused = await writeSecretFile(path.join(readOnly, "a.env"), "X=1\n").catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SecretError);
      expect((refused as SecretError).code).toBe("PROVIDER_UNAVAILABLE");
      expect((refused as Error).message).toBe(
        `Cannot write ${path.join(readOnly, "a.env")}: the file system is read-only`,
      );
    } finally {
      execFileSync("umount", [readOnly]);
    }
    const missing = await writeSecretFile(path.join(dir, "none", "a.env"), "X=1\n").catch((e: unknown) => e);
    expect((missing as SecretError).code).toBe("INVALID_CONFIG");
    writeFileSync(path.join(dir, "plain"), "");
    const throughFile = await writeSecretFile(path.join(dir, "plain", "b.env"), "X=1\n").catch(
      (e: unknown) => e,
    );
    expect((throughFile as SecretError).code).toBe("INVALID_CONFIG");
  });

  it("beforeReplace runs once the new file is written, and what it throws abandons the write", async () => {
    const target = path.join(dir, "checked.env");
    writeFileSync(target, "OLD=1\n", { mode: 0o600 });
    const seen: string[] = [];
    const changed = new Error("changed meanwhile");
    const error = await writeSecretFile(target, "NEW=1\n", {
      beforeReplace: async () => {
        seen.push(...readdirSync(dir).filter((f) => f.startsWith(".checked.env.") && f.endsWith(".tmp")));
        throw changed;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(changed);
    expect(seen).toHaveLength(1);
    expect(readFileSync(target, "utf8")).toBe("OLD=1\n");
    expect(readdirSync(dir).filter((f) => f.startsWith(".checked.env."))).toEqual([]);
    await writeSecretFile(target, "NEW=1\n", { beforeReplace: async () => {} });
    expect(readFileSync(target, "utf8")).toBe("NEW=1\n");
  });

  it("leaves the old file intact and no temporary file when the rename fails", async () => {
    const target = path.join(dir, "is-a-directory");
    mkdirSync(path.join(target, "child"), { recursive: true });
    await expect(writeSecretFile(target, "X=1\n")).rejects.toThrow();
    expect(statSync(target).isDirectory()).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

/** The prototype of Node's `FileHandle` (not exported by Node), to spy on one of its methods. */
async function fileHandlePrototype(): Promise<{
  chown: (...args: unknown[]) => Promise<void>;
  sync: () => Promise<void>;
}> {
  const probe = await open(process.execPath, "r");
  await probe.close();
  return Object.getPrototypeOf(probe);
}

// Device nodes (mknod) and other owners (chown) need root, as CI runs the tests.

function listen(file: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(file, () => resolve(server));
  });
}

describe("writeSecretFile: what it replaces", () => {
  const sub = mkdtempSync(path.join(dir, "targets-"));
  const refusal = (file: string) =>
    writeSecretFile(file, "SECRET=1\n").then(
      () => undefined,
      (e: unknown) => e,
    );

  it("refuses a character device (a copy of /dev/null), leaving it in place", async () => {
    const node = path.join(sub, "null-copy");
    execFileSync("mknod", ["-m", "666", node, "c", "1", "3"]);
    const error = await refusal(node);
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).code).toBe("INVALID_CONFIG");
    expect((error as Error).message).toBe(
      `Cannot write ${node}: it is a character device, not a regular file`,
    );
    expect(lstatSync(node).isCharacterDevice()).toBe(true);
    // Through a link to it: the link and the device stay.
    const link = path.join(sub, "null-link");
    symlinkSync("null-copy", link);
    expect(((await refusal(link)) as Error).message).toBe(
      `Cannot write ${link}: it is a symbolic link to ${node}, which is a character device, not a regular file`,
    );
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(sub).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a FIFO and a socket, naming what each is", async () => {
    const fifo = path.join(sub, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(((await refusal(fifo)) as Error).message).toBe(
      `Cannot write ${fifo}: it is a named pipe, not a regular file`,
    );
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    const socket = path.join(sub, "socket");
    const server = await listen(socket);
    try {
      expect(((await refusal(socket)) as Error).message).toBe(
        `Cannot write ${socket}: it is a socket, not a regular file`,
      );
      expect(lstatSync(socket).isSocket()).toBe(true);
    } finally {
      server.close();
    }
  });

  it("refuses a directory with the same words", async () => {
    const target = path.join(sub, "a-directory");
    mkdirSync(target);
    expect(((await refusal(target)) as Error).message).toBe(
      `Cannot write ${target}: it is a directory, not a regular file`,
    );
  });

  it("refuses a link to this process's standard output when that is not a regular file", async () => {
    const out = statSync("/proc/self/fd/1", { throwIfNoEntry: false });
    if (out === undefined || out.isFile()) return; // no procfs, or stdout is a file: nothing to show
    const link = path.join(sub, "stdout-link");
    symlinkSync("/proc/self/fd/1", link);
    const error = await refusal(link);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Cannot write ${link}: it is a symbolic link to a (named pipe|character device|socket), not to a regular file$`,
      ),
    );
    expect(readlinkSync(link)).toBe("/proc/self/fd/1");
  });

  it("writes through a chain of links to the regular file it names, keeping the links", async () => {
    const real = path.join(sub, "real.env");
    writeFileSync(real, "OLD=1\n", { mode: 0o644 });
    mkdirSync(path.join(sub, "links"));
    symlinkSync("../real.env", path.join(sub, "links", "second"));
    symlinkSync("links/second", path.join(sub, "first"));
    await writeSecretFile(path.join(sub, "first"), "NEW=1\n");
    expect(readlinkSync(path.join(sub, "first"))).toBe("links/second");
    expect(readlinkSync(path.join(sub, "links", "second"))).toBe("../real.env");
    expect(readFileSync(real, "utf8")).toBe("NEW=1\n");
    expect(statSync(real).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.join(sub, "links"))).toEqual(["second"]);
  });

  it("creates the file a dangling link names (mode 0600), and keeps the link", async () => {
    mkdirSync(path.join(sub, "shared"));
    const link = path.join(sub, "dangling.env");
    symlinkSync("shared/later.env", link);
    await writeSecretFile(link, "A=1\n");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const created = path.join(sub, "shared", "later.env");
    expect(readFileSync(created, "utf8")).toBe("A=1\n");
    expect(statSync(created).mode & 0o777).toBe(0o600);
  });

  it("a dangling link into a directory that does not exist: one line naming it, the link untouched", async () => {
    const link = path.join(sub, "nowhere.env");
    symlinkSync("missing/x.env", link);
    const error = await refusal(link);
    expect((error as Error).message).toBe(
      `Cannot write ${link}: the directory ${path.join(sub, "missing")} does not exist`,
    );
    expect(readlinkSync(link)).toBe("missing/x.env");
  });

  it("a loop of links is refused in one line", async () => {
    const a = path.join(sub, "loop-a");
    symlinkSync("loop-b", a);
    symlinkSync("loop-a", path.join(sub, "loop-b"));
    const error = await refusal(a);
    expect((error as Error).message).toBe(`Cannot write ${a}: it leads through more than 40 symbolic links`);
    expect(readlinkSync(a)).toBe("loop-b");
  });
});

describe("writeSecretFile: the owner of a file it replaces", () => {
  const sub = mkdtempSync(path.join(dir, "owner-"));

  it("keeps the owner and group of the file it replaces when root writes it", async () => {
    const file = path.join(sub, "app.env");
    writeFileSync(file, "OLD=1\n", { mode: 0o600 });
    chownSync(file, 1000, 1000);
    await writeSecretFile(file, "NEW=1\n");
    const stats = statSync(file);
    expect([stats.uid, stats.gid]).toEqual([1000, 1000]);
    expect(stats.mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe("NEW=1\n");
    // Through a link, the file it names keeps its owner too.
    const link = path.join(sub, "app-link.env");
    symlinkSync("app.env", link);
    chownSync(file, 65534, 65534);
    await writeSecretFile(link, "NEWER=1\n");
    expect([statSync(file).uid, statSync(file).gid]).toEqual([65534, 65534]);
    // A new file is the writer's own.
    const created = path.join(sub, "new.env");
    await writeSecretFile(created, "A=1\n");
    expect(statSync(created).uid).toBe(0);
  });

  it("root that cannot keep the owner (root mapped to nobody by an NFS export) still writes", async () => {
    const file = path.join(sub, "kept.env");
    writeFileSync(file, "OLD=1\n", { mode: 0o600 });
    chownSync(file, 1000, 1000);
    const chown = vi
      .spyOn(await fileHandlePrototype(), "chown")
      .mockRejectedValueOnce(Object.assign(new Error("EPERM: operation not permitted"), { code: "EPERM" }));
    try {
      await writeSecretFile(file, "NEW=1\n");
      expect(chown).toHaveBeenCalledWith(1000, 1000);
    } finally {
      chown.mockRestore();
    }
    expect(readFileSync(file, "utf8")).toBe("NEW=1\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(sub).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("another user replaces a file it cannot give away: not an error, the new file is its own", async () => {
    // Beside the private test directory: another user must be able to reach it.
    const shared = mkdtempSync(path.join(tmpdir(), "secrets-shared-"));
    chmodSync(shared, 0o777);
    const file = path.join(shared, "root-owned.env");
    writeFileSync(file, "OLD=1\n", { mode: 0o644 });
    // The other user cannot read what lies under a private checkout: it gets its own copy of the build.
    const build = path.join(shared, "dist");
    cpSync(path.dirname(dist), build, { recursive: true });
    const script = `
      const { writeSecretFile } = await import(${JSON.stringify(path.join(build, path.basename(dist)))});
      await writeSecretFile(${JSON.stringify(file)}, "NEW=1\\n");`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: "inherit",
      uid: 65534,
      gid: 65534,
    });
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);
    const stats = statSync(file);
    expect([stats.uid, stats.gid]).toEqual([65534, 65534]);
    expect(stats.mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe("NEW=1\n");
    rmSync(shared, { recursive: true, force: true });
  });
});

describe("writeSecretFile: a caller that gives up", () => {
  const sub = mkdtempSync(path.join(dir, "abort-"));

  it("a signal that aborts while the file is written: the target is not replaced, no temporary file is left", async () => {
    const file = path.join(sub, "kept.env");
    writeFileSync(file, "OLD=1\n", { mode: 0o600 });
    const controller = new AbortController();
    const reason = new Error("deadline");
    // Aborted at a known point: while the temporary file is flushed, after it was written.
    const prototype = await fileHandlePrototype();
    const original = prototype.sync;
    const sync = vi.spyOn(prototype, "sync").mockImplementation(async function (this: unknown) {
      controller.abort(reason);
      return original.call(this);
    });
    try {
      await expect(writeSecretFile(file, "NEW=1\n", { signal: controller.signal })).rejects.toBe(reason);
    } finally {
      sync.mockRestore();
    }
    expect(readFileSync(file, "utf8")).toBe("OLD=1\n");
    expect(readdirSync(sub)).toEqual(["kept.env"]);
    // Already aborted: nothing is written at all.
    await expect(
      writeSecretFile(path.join(sub, "never.env"), "A=1\n", { signal: controller.signal }),
    ).rejects.toBe(reason);
    expect(readdirSync(sub)).toEqual(["kept.env"]);
  });
});

describe("withFileLock", () => {
  it("serialises read-modify-write cycles within a process", async () => {
    const file = path.join(dir, "counter-in-process");
    writeFileSync(file, "0");
    await Promise.all(
      Array.from({ length: 25 }, () =>
        withFileLock(file, async () => {
          const n = Number(await readFile(file, "utf8"));
          await new Promise((r) => setTimeout(r, 1));
          await writeSecretFile(file, String(n + 1));
        }),
      ),
    );
    expect(readFileSync(file, "utf8")).toBe("25");
    expect(readdirSync(dir).filter((f) => f.endsWith(".lock"))).toEqual([]);
  });

  it("serialises read-modify-write cycles across processes", async () => {
    const file = path.join(dir, "counter-processes");
    writeFileSync(file, "0");
    const script = `
      const { withFileLock, writeSecretFile } = await import(${JSON.stringify(dist)});
      const { readFile } = await import("node:fs/promises");
      for (let i = 0; i < 5; i++) {
        await withFileLock(${JSON.stringify(file)}, async () => {
          const n = Number(await readFile(${JSON.stringify(file)}, "utf8"));
          await writeSecretFile(${JSON.stringify(file)}, String(n + 1));
        });
      }`;
    const codes = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
              stdio: "inherit",
            });
            child.on("exit", resolve);
          }),
      ),
    );
    expect(codes).toEqual(Array(8).fill(0));
    expect(readFileSync(file, "utf8")).toBe("40");
  });

  it("never breaks a live lock when the previous holder has just exited (16 one-shot processes, 3 rounds)", async () => {
    // Each process takes the lock once and exits right after letting go: a waiter
    // that read the old holder's pid must not take the new holder's lock for stale.
    for (let round = 0; round < 3; round++) {
      const file = path.join(dir, `one-shot-${round}`);
      writeFileSync(file, "0");
      const script = `
        const { withFileLock, writeSecretFile } = await import(${JSON.stringify(dist)});
        const { readFile } = await import("node:fs/promises");
        await withFileLock(${JSON.stringify(file)}, async () => {
          const n = Number(await readFile(${JSON.stringify(file)}, "utf8"));
          await writeSecretFile(${JSON.stringify(file)}, String(n + 1));
        });`;
      const codes = await Promise.all(
        Array.from(
          { length: 16 },
          () =>
            new Promise<number | null>((resolve) => {
              const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
                stdio: "inherit",
              });
              child.on("exit", resolve);
            }),
        ),
      );
      expect(codes).toEqual(Array(16).fill(0));
      expect(readFileSync(file, "utf8")).toBe("16");
    }
  });

  it("takes over a lock left on this host by a process that no longer exists", async () => {
    const file = path.join(dir, "stale");
    writeLock(file, { ...thisHost(), pid: DEAD_PID });
    await expect(withFileLock(file, async () => "ran", { timeoutMs: 2000 })).resolves.toBe("ran");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("a heartbeat longer than a timer holds is shortened to it, not run every millisecond", async () => {
    const file = path.join(dir, "long-heartbeat");
    const lock = `${file}.lock`;
    const huge = 2 ** 31 + 1_000;
    const beats = await withFileLock(
      file,
      async () => {
        // Set the heartbeat's mark back: a heartbeat within the next 100 ms would move it.
        const past = new Date(Date.now() - 60_000);
        utimesSync(lock, past, past);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return statSync(lock).mtimeMs;
      },
      { heartbeatMs: huge, staleMs: huge * 3, timeoutMs: huge * 4 },
    );
    expect(beats).toBeLessThan(Date.now() - 50_000);
  });

  it("times out with a message that names the lock file while a live holder heartbeats", async () => {
    const file = path.join(dir, "held");
    const lock = writeLock(file, { ...thisHost(), pid: process.ppid });
    const error = await withFileLock(file, async () => "ran", { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).code).toBe("TIMEOUT");
    expect((error as Error).message).toContain(lock);
    expect((error as Error).message.split("\n")).toHaveLength(1);
    rmSync(lock);
  });

  it("takes over a lock naming an unrelated live process when its heartbeat is old", async () => {
    const file = path.join(dir, "live-pid-old-heartbeat");
    // The parent of this test runner is alive, and unrelated to the lock.
    const lock = writeLock(file, { ...thisHost(), pid: process.ppid });
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lock, hourAgo, hourAgo);
    let runs = 0;
    await withFileLock(
      file,
      async () => {
        runs++;
        // Ours now: the old holder's record is gone.
        expect(readFileSync(lock, "utf8")).toContain(`"pid":${process.pid}`);
      },
      { timeoutMs: 10_000 },
    );
    expect(runs).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it("respects a lock from another host whose pid it cannot see, as long as it heartbeats", async () => {
    const file = path.join(dir, "other-host-live");
    const lock = writeLock(file, {
      host: "another-host",
      ns: "pid:[1]",
      pid: DEAD_PID,
      id: "feedfacefeedface",
    });
    // The other host's holder refreshing its heartbeat.
    const beat = setInterval(() => {
      const now = new Date();
      utimesSync(lock, now, now);
    }, 40);
    let runs = 0;
    try {
      const error = await withFileLock(
        file,
        async () => {
          runs++;
        },
        { staleMs: 400, timeoutMs: 2_000 },
      ).catch((e: unknown) => e);
      expect((error as SecretError).code).toBe("TIMEOUT");
      expect((error as Error).message).toContain(lock);
      expect((error as Error).message).toContain("host another-host");
    } finally {
      clearInterval(beat);
    }
    expect(runs).toBe(0);
    expect(JSON.parse(readFileSync(lock, "utf8")).id).toBe("feedfacefeedface");
    rmSync(lock);
  });

  it.each([
    // A fresh modification time: only watching it not move tells the holder is gone.
    [
      "from another host",
      (file: string) => writeLock(file, { host: "another-host", ns: "pid:[1]", pid: process.ppid }),
    ],
    [
      "too large to hold an owner line",
      (file: string) => {
        writeFileSync(`${file}.lock`, "x".repeat(1 << 20));
        return `${file}.lock`;
      },
    ],
  ])("takes over a lock %s once its heartbeat has stopped for staleMs", async (kind, make) => {
    const file = path.join(dir, `dead-${kind.replaceAll(" ", "-")}`);
    const lock = make(file);
    let runs = 0;
    await withFileLock(
      file,
      async () => {
        runs++;
      },
      { staleMs: 300, timeoutMs: 10_000 },
    );
    expect(runs).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it.each([
    ["empty (its writer killed between creating and writing it)", ""],
    ["damaged", "{not json"],
    [
      "from another host",
      `${JSON.stringify({ host: "another-host", ns: "pid:[1]", pid: 1, id: "0badc0de0badc0de" })}\n`,
    ],
  ])(
    "takes over a lock %s whose heartbeat is a day old within one heartbeat's bound, not staleMs",
    async (_kind, text) => {
      const file = path.join(dir, `day-old-${_kind.split(" ")[0]}`);
      writeFileSync(`${file}.lock`, text);
      const dayAgo = new Date(Date.now() - 86_400_000);
      utimesSync(`${file}.lock`, dayAgo, dayAgo);
      // The default staleMs (15 s) is longer than this wait: only the lock's age lets it through.
      await expect(withFileLock(file, async () => "ran", { timeoutMs: 8_000 })).resolves.toBe("ran");
      expect(existsSync(`${file}.lock`)).toBe(false);
    },
  );

  it("never takes a lock whose live holder heartbeats, however old its clock makes the heartbeat look", async () => {
    const file = path.join(dir, "skewed-holder");
    const lock = `${file}.lock`;
    // A holder on a host whose clock is an hour behind: each heartbeat moves the
    // modification time, which stays older than staleMs by this host's clock.
    const script = `
      const { writeFileSync, utimesSync } = await import("node:fs");
      writeFileSync(${JSON.stringify(lock)}, "");
      const beat = () => { const t = new Date(Date.now() - 3_600_000); utimesSync(${JSON.stringify(lock)}, t, t); };
      beat();
      process.stdout.write("held\\n");
      setInterval(beat, 150);
      process.stdin.once("data", () => process.exit(0));`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await new Promise((resolve) => child.stdout?.once("data", resolve));
    let runs = 0;
    try {
      const error = await withFileLock(
        file,
        async () => {
          runs++;
        },
        { staleMs: 1_500, timeoutMs: 3_000 },
      ).catch((e: unknown) => e);
      expect((error as SecretError).code).toBe("TIMEOUT");
    } finally {
      child.stdin?.end("go\n");
      await exited;
    }
    expect(runs).toBe(0);
    expect(existsSync(lock)).toBe(true);
    rmSync(lock);
  });

  it("a holder that runs longer than staleMs keeps its lock because it heartbeats", async () => {
    const file = path.join(dir, "long-holder");
    const script = `
      const { withFileLock } = await import(${JSON.stringify(dist)});
      await withFileLock(${JSON.stringify(file)}, async () => {
        process.stdout.write("held\\n");
        await new Promise((resolve) => process.stdin.once("data", resolve));
      }, { staleMs: 300, heartbeatMs: 50 });
      process.stdout.write("released\\n");`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    const saw = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (out.includes(text)) {
            child.stdout?.off("data", onData);
            resolve();
          }
        };
        const onData = (chunk: Buffer) => {
          out += chunk.toString();
          check();
        };
        child.stdout?.on("data", onData);
        check();
      });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await saw("held");
    // Waits far longer than staleMs: the holder's heartbeat keeps its lock.
    let runs = 0;
    const error = await withFileLock(
      file,
      async () => {
        runs++;
      },
      { staleMs: 300, timeoutMs: 1_500 },
    ).catch((e: unknown) => e);
    expect((error as SecretError).code).toBe("TIMEOUT");
    expect(runs).toBe(0);
    child.stdin?.end("go\n");
    await saw("released");
    expect(await exited).toBe(0);
    expect(existsSync(`${file}.lock`)).toBe(false);
    await withFileLock(file, async () => {
      runs++;
    });
    expect(runs).toBe(1);
  });

  it("16 processes each taking the lock 10 times to increment a counter lose no update", async () => {
    const file = path.join(dir, "counter-16x10");
    writeFileSync(file, "0");
    const script = `
      const { withFileLock, writeSecretFile } = await import(${JSON.stringify(dist)});
      const { readFile } = await import("node:fs/promises");
      for (let i = 0; i < 10; i++) {
        await withFileLock(${JSON.stringify(file)}, async () => {
          const n = Number(await readFile(${JSON.stringify(file)}, "utf8"));
          await writeSecretFile(${JSON.stringify(file)}, String(n + 1), { locked: true });
        });
      }`;
    const codes = await Promise.all(Array.from({ length: 16 }, () => runNode(script)));
    expect(codes).toEqual(Array(16).fill(0));
    expect(readFileSync(file, "utf8")).toBe("160");
    expect(readdirSync(dir).filter((f) => f.startsWith("counter-16x10") && f !== "counter-16x10")).toEqual(
      [],
    );
    expect(readdirSync(dir).filter((f) => f.startsWith(".counter-16x10."))).toEqual([]);
  });

  // A FIFO opened blocking (with no writer) would hold the wait forever, past any timeout.
  it.each([
    ["a directory", (lock: string) => mkdirSync(lock)],
    ["a FIFO", (lock: string) => execFileSync("mkfifo", [lock])],
  ])("a lock path it cannot read (%s) is waited for up to the bound, then reported", async (kind, make) => {
    const file = path.join(dir, `unreadable-${kind.replace(" ", "-")}`);
    make(`${file}.lock`);
    let runs = 0;
    const error = await withFileLock(
      file,
      async () => {
        runs++;
      },
      { timeoutMs: 300 },
    ).catch((e: unknown) => e);
    expect((error as SecretError).code).toBe("TIMEOUT");
    expect((error as Error).message).toContain(`${file}.lock`);
    expect(runs).toBe(0);
    rmSync(`${file}.lock`, { recursive: true });
  });

  it("refuses option values that are not positive numbers, naming the option", async () => {
    const file = path.join(dir, "options");
    await expect(withFileLock(file, async () => 1, { staleMs: -1 })).rejects.toThrow(/staleMs/);
    await expect(withFileLock(file, async () => 1, { staleMs: 300, heartbeatMs: 200 })).rejects.toThrow(
      /heartbeatMs/,
    );
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

describe("leftover temporary files", () => {
  const base = "target.env";
  const leftover = (kind: "l" | "u", tag: string, pid: number, random = "aaaaaaaaaaaa") =>
    `.${base}.${kind}-${tag}-${pid}-${random}.tmp`;

  it("removes the leftovers of dead writers and old ones, never a live writer's or another target's", async () => {
    const sub = mkdtempSync(path.join(dir, "leftovers-"));
    const here = tagOf(thisHost());
    const elsewhere = "0badc0de";
    const names = {
      deadHere: leftover("u", here, DEAD_PID, "000000000001"),
      liveHere: leftover("u", here, process.ppid, "000000000002"),
      liveHereOld: leftover("u", here, process.ppid, "000000000003"),
      otherHost: leftover("u", elsewhere, DEAD_PID, "000000000004"),
      otherHostOld: leftover("u", elsewhere, DEAD_PID, "000000000005"),
      lockedLive: leftover("l", here, process.ppid, "000000000006"),
      otherTarget: `.${base}.local.u-${here}-${DEAD_PID}-000000000007.tmp`,
      unrelated: `.${base}.notes`,
    };
    for (const name of Object.values(names)) writeFileSync(path.join(sub, name), "SECRET=copy\n");
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(sub, names.liveHereOld), old, old);
    utimesSync(path.join(sub, names.otherHostOld), old, old);

    await writeSecretFile(path.join(sub, base), "A=1\n");
    expect(readdirSync(sub).sort()).toEqual(
      [base, names.liveHere, names.otherHost, names.lockedLive, names.otherTarget, names.unrelated].sort(),
    );

    // A writer that holds the lock knows every locked writer before it is gone.
    await writeSecretFile(path.join(sub, base), "A=2\n", { locked: true });
    expect(readdirSync(sub).sort()).toEqual(
      [base, names.liveHere, names.otherHost, names.otherTarget, names.unrelated].sort(),
    );
    expect(readFileSync(path.join(sub, base), "utf8")).toBe("A=2\n");
  });

  it("a writer killed after writing its temporary file: the next write removes the copy", async () => {
    const sub = mkdtempSync(path.join(dir, "killed-"));
    const file = path.join(sub, base);
    writeFileSync(file, "OLD=1\n");
    const script = `
      const fs = (await import("node:fs")).promises;
      const { writeSecretFile } = await import(${JSON.stringify(dist)});
      fs.rename = () => { process.kill(process.pid, "SIGKILL"); return new Promise(() => {}); };
      await writeSecretFile(${JSON.stringify(file)}, "NEW=1\\n");`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
    const signal = await new Promise((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
    expect(signal).toBe("SIGKILL");
    expect(readdirSync(sub).filter((f) => f.endsWith(".tmp"))).toHaveLength(1);
    expect(readFileSync(file, "utf8")).toBe("OLD=1\n");

    await writeSecretFile(file, "NEXT=1\n");
    expect(readdirSync(sub)).toEqual([base]);
  });
});
