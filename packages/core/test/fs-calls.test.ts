import { execFileSync } from "node:child_process";
import {
  promises as fsPromises,
  lstatSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { monotonicMs } from "../src/monotonic.js";
import {
  fileCalls,
  fileTypeOf,
  fsErrorCode,
  type ReadableFile,
  readRegularFile,
  readUpTo,
} from "../src/provider.js";

const dir = mkdtempSync(path.join(tmpdir(), "secrets-fs-calls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("fileCalls", () => {
  it("reads a file in pieces, from a position or from where the last read ended", async () => {
    const file = path.join(dir, "data");
    writeFileSync(file, "0123456789");
    const handle = await fileCalls.open(file);
    try {
      expect((await handle.stat()).size).toBe(10);
      const buffer = Buffer.alloc(4);
      expect(await handle.read(buffer, 0, 4, 6)).toBe(4);
      expect(buffer.toString()).toBe("6789");
      expect(await handle.read(buffer, 0, 4, null)).toBe(4);
      expect(buffer.toString()).toBe("0123");
      expect(await handle.read(buffer, 0, 4, 10)).toBe(0);
    } finally {
      await handle.close();
    }
    expect((await fileCalls.statBigInt(file)).size).toBe(10n);
    await expect(fileCalls.access(file, 0)).resolves.toBeUndefined();
  });

  it("rejects with Node's own errors, as fs.promises does (code, syscall, path)", async () => {
    const missing = path.join(dir, "missing");
    // Each pair is started only when it is awaited: no rejection is left without a handler.
    const pairs: [() => Promise<unknown>, () => Promise<unknown>][] = [
      [() => fileCalls.open(missing), () => fsPromises.open(missing, "r")],
      [() => fileCalls.stat(missing), () => fsPromises.stat(missing)],
      [() => fileCalls.statBigInt(missing), () => fsPromises.stat(missing, { bigint: true })],
      [() => fileCalls.access(missing, 0), () => fsPromises.access(missing, 0)],
    ];
    for (const [ours, theirs] of pairs) {
      const a = await ours().catch((e: unknown) => e);
      const b = await theirs().catch((e: unknown) => e);
      expect(a).toBeInstanceOf(Error);
      expect(a).toMatchObject({
        code: "ENOENT",
        syscall: (b as NodeJS.ErrnoException).syscall,
        path: missing,
      });
      expect((a as Error).message).toBe((b as Error).message);
    }
  });
});

describe("monotonicMs", () => {
  it("runs at the pace of performance.now(), and never backwards", async () => {
    const [ours, theirs] = [monotonicMs(), performance.now()];
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [ours2, theirs2] = [monotonicMs(), performance.now()];
    expect(ours2 - ours).toBeGreaterThanOrEqual(29);
    expect(Math.abs(ours2 - ours - (theirs2 - theirs))).toBeLessThan(20);
    let last = monotonicMs();
    for (let i = 0; i < 1000; i++) {
      const now = monotonicMs();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });
});

describe("readUpTo", () => {
  /** The file's bytes through readUpTo with this size hint and limit, counting the reads made. */
  async function readWith(content: Buffer, sizeHint: number, limit: number) {
    const file = path.join(dir, `up-to-${content.length}-${sizeHint}-${limit}`);
    writeFileSync(file, content);
    const handle = await fileCalls.open(file);
    let reads = 0;
    const counted: ReadableFile = {
      stat: () => handle.stat(),
      read: (...args) => {
        reads++;
        return handle.read(...args);
      },
      close: () => handle.close(),
    };
    try {
      return { bytes: await readUpTo(counted, sizeHint, limit), reads };
    } finally {
      await handle.close();
    }
  }

  const content = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));

  it("reads the whole file in one read when the hint is its size, and one more to see its end", async () => {
    const { bytes, reads } = await readWith(content, content.length, 1 << 20);
    expect(bytes?.equals(content)).toBe(true);
    expect(bytes?.length).toBe(5000);
    expect(reads).toBe(2);
  });

  it("takes only a read that answers 0 for the end, not a short one, whatever the hint", async () => {
    // A source that answers in pieces, as a pipe-backed or network file system may.
    const pieces = (size: number, piece: number, hint: number) => {
      let reads = 0;
      const source: ReadableFile = {
        stat: () => Promise.reject(new Error("not used")),
        read: async (buffer, offset, length, position) => {
          reads++;
          const at = position ?? 0;
          const n = Math.max(0, Math.min(piece, length, size - at));
          for (let i = 0; i < n; i++) buffer[offset + i] = (at + i) % 256;
          return n;
        },
        close: async () => {},
      };
      return readUpTo(source, hint, 1 << 20).then((bytes) => ({ bytes, reads: () => reads }));
    };
    // 5000 bytes in pieces of 1000, hint right: five pieces, then a read answering 0.
    const exact = await pieces(5000, 1000, 5000);
    expect(exact.bytes?.length).toBe(5000);
    expect(exact.reads()).toBe(6);
    // 5000 bytes, hint 3000 (the file grew after its stat): the third piece stops exactly at
    // the hint, short of what was asked, and is not taken for the end.
    const grown = await pieces(5000, 1000, 3000);
    expect(grown.bytes?.length).toBe(5000);
    expect([...(grown.bytes ?? [])].every((b, i) => b === i % 256)).toBe(true);
    // 2000 bytes, hint 3000 (it shrank): read until a read answers 0.
    const shrunk = await pieces(2000, 1000, 3000);
    expect(shrunk.bytes?.length).toBe(2000);
    expect(shrunk.reads()).toBe(3);
  });

  it("reads all of a file that grew past the size it was stat'ed at (the hint), not a truncated part", async () => {
    for (const hint of [0, 1, 4999, 100]) {
      const { bytes } = await readWith(content, hint, 1 << 20);
      expect(bytes?.equals(content), `hint ${hint}`).toBe(true);
    }
  });

  it("reads a file whose stat said 0 bytes (procfs, some FUSE mounts) in a few reads, not one per doubling", async () => {
    const large = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 253));
    const { bytes, reads } = await readWith(large, 0, 1 << 20);
    expect(bytes?.equals(large)).toBe(true);
    // 1 byte, then 16, 32, 64 and 128 KiB: five reads fill the buffers, one more sees the end.
    expect(reads).toBe(6);
  });

  it("reads a file smaller than its hint, and an empty file", async () => {
    expect((await readWith(content, 1 << 16, 1 << 20)).bytes?.equals(content)).toBe(true);
    expect((await readWith(Buffer.alloc(0), 10, 100)).bytes?.length).toBe(0);
  });

  it("accepts exactly `limit` bytes and refuses one more, whatever the hint", async () => {
    for (const hint of [0, 4999, 5000, 5001, 1 << 20]) {
      expect((await readWith(content, hint, 5000)).bytes?.equals(content), `hint ${hint}`).toBe(true);
      expect((await readWith(content, hint, 4999)).bytes, `hint ${hint}`).toBeUndefined();
    }
  });

  it("never asks for more than limit + 1 bytes in all", async () => {
    const file = path.join(dir, "up-to-asked");
    writeFileSync(file, content);
    const handle = await fileCalls.open(file);
    let furthest = 0;
    const watched: ReadableFile = {
      stat: () => handle.stat(),
      read: (buffer, offset, length, position) => {
        furthest = Math.max(furthest, offset + length);
        return handle.read(buffer, offset, length, position);
      },
      close: () => handle.close(),
    };
    try {
      expect(await readUpTo(watched, 0, 3000)).toBeUndefined();
      expect(furthest).toBe(3001);
    } finally {
      await handle.close();
    }
  });
});

describe("readRegularFile", () => {
  it("reads a regular file, and says why it did not otherwise, without throwing", async () => {
    const file = path.join(dir, "regular");
    writeFileSync(file, "A=1\n");
    const read = await readRegularFile(file, 100);
    expect(read.kind === "read" && read.bytes.toString()).toBe("A=1\n");
    // The open file's own stats, with nanosecond times: a cache can key on them without a stat of its own.
    const onDisk = statSync(file, { bigint: true });
    expect(read.kind === "read" && [read.stats.ino, read.stats.size, read.stats.mtimeNs]).toEqual([
      onDisk.ino,
      4n,
      onDisk.mtimeNs,
    ]);
    expect(await readRegularFile(path.join(dir, "absent"), 100)).toEqual({ kind: "missing" });
    expect(await readRegularFile(dir, 100)).toEqual({ kind: "directory" });
    expect(await readRegularFile(file, 3)).toEqual({ kind: "too-large", size: 4 });
    const failed = await readRegularFile(path.join(file, "below"), 100);
    expect(failed.kind).toBe("failed");
    expect(failed.kind === "failed" && fsErrorCode(failed.error)).toBe("ENOTDIR");
  });

  it("refuses a FIFO without waiting for a writer, and a device without reading it", async () => {
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(await readRegularFile(fifo, 100)).toEqual({ kind: "not-a-file", type: "a named pipe" });
    expect(await readRegularFile("/dev/zero", 100)).toEqual({
      kind: "not-a-file",
      type: "a character device",
    });
  });

  it("names each kind of file an error may meet", async () => {
    const socket = path.join(dir, "socket");
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(fileTypeOf(statSync(socket))).toBe("a socket");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const link = path.join(dir, "link");
    symlinkSync(socket, link);
    expect(fileTypeOf(lstatSync(link))).toBe("a symbolic link");
    expect(fileTypeOf(statSync(dir))).toBe("a directory");
    expect(fileTypeOf(statSync("/dev/null"))).toBe("a character device");
    writeFileSync(path.join(dir, "plain"), "x");
    expect(fileTypeOf(statSync(path.join(dir, "plain"), { bigint: true }))).toBe("a regular file");
  });
});
