import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SecretError, withFileLock, writeSecretFile } from "../src/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "secrets-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js");

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

  it("leaves the old file intact and no temporary file when the rename fails", async () => {
    const target = path.join(dir, "is-a-directory");
    mkdirSync(path.join(target, "child"), { recursive: true });
    await expect(writeSecretFile(target, "X=1\n")).rejects.toThrow();
    expect(statSync(target).isDirectory()).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
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

  it("takes over a lock left by a process that no longer exists", async () => {
    const file = path.join(dir, "stale");
    writeFileSync(`${file}.lock`, "999999999\n");
    await expect(withFileLock(file, async () => "ran", { timeoutMs: 2000 })).resolves.toBe("ran");
  });

  it("times out with a message that names the lock file", async () => {
    const file = path.join(dir, "held");
    writeFileSync(`${file}.lock`, `${process.ppid}\n`);
    await expect(withFileLock(file, async () => "ran", { timeoutMs: 50 })).rejects.toThrow(/held\.lock/);
    rmSync(`${file}.lock`);
  });
});
