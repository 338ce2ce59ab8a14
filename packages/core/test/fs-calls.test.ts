import { promises as fsPromises, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { monotonicMs } from "../src/monotonic.js";
import { fileCalls } from "../src/provider.js";

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
