// Writes the file system refuses (a full disk, a read-only file system): exit 1 like every
// other failed operation, one line, nothing changed. Mounting needs root and Linux, as CI runs the tests.
import { execFileSync, spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { fileURLToPath } from "node:url";
import { canaryValue, findLeaks } from "@org/secrets-test-support";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const canary = canaryValue("FSFAIL");
const ORIGINAL = `# kept\nA=${canary}\n`;

/** Home (where the CLI keeps its compile cache), and in it the small file system the project is on. */
let home: string;
let dir: string;
let remove: () => void;
beforeAll(() => {
  ({ dir: home, remove } = tempDir("secrets-fs-failures-"));
  dir = `${home}/project`;
  mkdirSync(dir);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir]);
});
afterAll(() => {
  execFileSync("umount", [dir]);
  remove();
});
beforeEach(() => {
  writeFileSync(`${dir}/.env`, ORIGINAL, { mode: 0o600 });
  writeFileSync(`${dir}/secrets.yaml`, "version: 1\nsecrets:\n  A: {}\n");
});
afterEach(() => {
  execFileSync("mount", ["-o", "remount,rw", dir]);
  for (const name of readdirSync(dir)) rmSync(`${dir}/${name}`, { recursive: true, force: true });
});

function secrets(args: string[], stdin = ""): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: home },
    input: stdin,
    encoding: "utf8",
  });
  return { code: result.status, stderr: result.stderr };
}

/** Fill the file system with a file `filler`, then give `spare` pages of it back. */
function fill(spare = 0): void {
  const fd = openSync(`${dir}/filler`, "w");
  const page = Buffer.alloc(PAGE, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, page);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
  } finally {
    closeSync(fd);
  }
  if (spare > 0) truncateSync(`${dir}/filler`, written - PAGE * spare);
}

const PAGE = 4096;

/** The dotenv file as it was, and no other file left behind (`filler` aside). */
function expectUnchanged(): void {
  expect(readFileSync(`${dir}/.env`, "utf8")).toBe(ORIGINAL);
  expect(
    readdirSync(dir)
      .filter((name) => name !== "filler")
      .sort(),
  ).toEqual([".env", "secrets.yaml"]);
}

function expectOneLine(stderr: string, line: string): void {
  expect(stderr).toBe(`Error: ${line}\n`);
  expect(findLeaks({ stderr }, { A: canary })).toEqual([]);
}

describe("a full disk", () => {
  it.each([
    ["when the lock cannot be taken", 0, "lock"],
    ["when the new file cannot be written", 1, "write"],
  ])("set fails with exit 1 %s, leaving the file as it was", (_label, spare, verb) => {
    // With one page free the lock file fits, a value of several pages does not.
    fill(spare);
    const { code, stderr } = secrets(["set", "BIG"], "x".repeat(64 * 1024));
    expectOneLine(stderr, `Cannot ${verb} ${dir}/.env: no space left on the device`);
    expect(code).toBe(1);
    expectUnchanged();
  });

  it("export --output fails with exit 1 and writes nothing", () => {
    fill();
    const { code, stderr } = secrets(["export", "--format", "env", "--output", "out.env"]);
    expectOneLine(stderr, `Cannot write ${dir}/out.env: no space left on the device`);
    expect(code).toBe(1);
    expectUnchanged();
  });
});

describe("a read-only file system", () => {
  beforeEach(() => {
    execFileSync("mount", ["-o", "remount,ro", dir]);
  });

  it.each([
    ["set", ["set", "B"], "v"],
    ["delete", ["delete", "A", "--yes"], ""],
  ])("%s fails with exit 1, leaving the file as it was", (_label, args, stdin) => {
    const { code, stderr } = secrets(args as string[], stdin as string);
    expectOneLine(stderr, `Cannot lock ${dir}/.env: the file system is read-only`);
    expect(code).toBe(1);
    expectUnchanged();
  });

  it("export --output fails with exit 1 and writes nothing", () => {
    const { code, stderr } = secrets(["export", "--format", "env", "--output", "out.env"]);
    expectOneLine(stderr, `Cannot write ${dir}/out.env: the file system is read-only`);
    expect(code).toBe(1);
    expectUnchanged();
  });
});

describe("a path that cannot name a file stays an input error", () => {
  it("export --output into a directory that does not exist: exit 2", () => {
    const { code, stderr } = secrets(["export", "--format", "env", "--output", "none/out.env"]);
    expectOneLine(stderr, `Cannot write ${dir}/none/out.env: the directory ${dir}/none does not exist`);
    expect(code).toBe(2);
    expectUnchanged();
  });
});
