import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheName } from "../src/module-cache.js";

/*
 * The `secrets` executable's own code cache of the CommonJS modules it loads,
 * on a Node without `module.enableCompileCache` (20). From 22.1 Node's own
 * cache is used and this one is never made.
 */

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const nodeHasCache =
  typeof (process.getBuiltinModule("node:module") as { enableCompileCache?: unknown }).enableCompileCache ===
  "function";
let dir: string;
let value: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "secrets-module-cache-"));
  writeFileSync(path.join(dir, ".env"), "SECRET_KEY=s3cr3t-value\n", { mode: 0o600 });
  value = "s3cr3t-value";
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function secrets(home: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: home, SECRET_PROVIDER: "env", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
}

function freshHome(): string {
  return mkdtempSync(path.join(dir, "home-"));
}

/** A fresh home whose module cache one `get` has written, and that cache file. */
function cachedHome(): { home: string; file: string } {
  const home = freshHome();
  expect(secrets(home, ["get", "SECRET_KEY"]).status).toBe(0);
  return { home, file: cacheFiles(home)[0] as string };
}

function cacheFiles(home: string): string[] {
  const directory = path.join(home, ".cache", "secrets-cli", "code-cache");
  try {
    return readdirSync(directory)
      .filter((name) => name.startsWith("modules."))
      .map((name) => path.join(directory, name));
  } catch {
    return [];
  }
}

/** The records of a cache file: [file name, code, V8's data length]. */
function records(file: string): [string, string, number][] {
  const bytes = readFileSync(file);
  const out: [string, string, number][] = [];
  let at = 0;
  const next = () => {
    const length = bytes.readUInt32LE(at);
    const slice = bytes.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    return slice;
  };
  while (at < bytes.length) out.push([next().toString(), next().toString(), next().length]);
  return out;
}

/**
 * From Node 22.1 the executable uses Node's own compile cache and keeps no module
 * cache: checked there in place of each case below, which needs the module cache.
 */
function onNodeWithItsOwnCache(): boolean {
  if (!nodeHasCache) return false;
  const home = freshHome();
  const run = secrets(home, ["get", "SECRET_KEY"]);
  expect([run.status, run.stdout]).toEqual([0, value]);
  expect(readdirSync(path.join(home, ".cache", "secrets-cli"))).toContain("compile-cache");
  expect(cacheFiles(home).filter((f) => path.basename(f).startsWith("modules"))).toEqual([]);
  return true;
}

describe("the executable's module cache (Node 20, which has no compile cache of its own)", () => {
  it("get writes one private file of the modules it compiled; the next get uses it and writes nothing", () => {
    if (onNodeWithItsOwnCache()) return;
    const home = freshHome();
    const first = secrets(home, ["get", "SECRET_KEY"]);
    expect([first.status, first.stdout, first.stderr]).toEqual([0, value, ""]);
    const files = cacheFiles(home);
    expect(files.map((f) => path.basename(f))).toEqual([
      `modules.get.env-${process.version}-${process.arch}.bin`,
    ]);
    const file = files[0] as string;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const held = records(file);
    const names = held.map(([name]) => path.basename(name));
    expect(names).toEqual(expect.arrayContaining(["bin.cjs", "main.cjs"]));
    for (const [name, code, data] of held) {
      // The very code of each file, with V8's data for it; no secret value in it.
      expect(code).toBe(readFileSync(name, "utf8"));
      expect(data).toBeGreaterThan(0);
    }
    expect(readFileSync(file).includes(value)).toBe(false);
    const before = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    const second = secrets(home, ["get", "SECRET_KEY"]);
    expect([second.status, second.stdout, second.stderr]).toEqual([0, value, ""]);
    // Every module was found with its code and accepted by V8, so nothing was rewritten.
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readFileSync(file).equals(before)).toBe(true);
    // Another command keeps its own.
    expect(secrets(home, ["list"]).status).toBe(0);
    expect(
      cacheFiles(home)
        .map((f) => path.basename(f))
        .sort(),
    ).toEqual([
      `modules.get.env-${process.version}-${process.arch}.bin`,
      `modules.list.env-${process.version}-${process.arch}.bin`,
    ]);
  });

  it("holds every CommonJS file a get and a health load, but for a few small ones that call import()", () => {
    if (onNodeWithItsOwnCache()) return;
    // A file that calls `import()` is left to Node (see module-cache.ts): one in a large file of
    // core would leave that whole file uncached, so core keeps its one call in a file of its own.
    const preload = path.join(dir, "loaded.cjs");
    writeFileSync(
      preload,
      `process.on("exit", () => require("node:fs").writeFileSync(process.env.LOADED_OUT,
        JSON.stringify(Object.keys(require.cache))));`,
    );
    // health exits 1: the default set's other required secrets are missing.
    for (const [command, status] of [
      [["get", "SECRET_KEY"], 0],
      [["health"], 1],
    ] as const) {
      const home = freshHome();
      const out = path.join(home, "loaded.json");
      // The first run writes the cache; the second reports what it loaded.
      for (let i = 0; i < 2; i++) {
        const result = spawnSync(process.execPath, ["-r", preload, bin, ...command], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? "", HOME: home, SECRET_PROVIDER: "env", LOADED_OUT: out },
          encoding: "utf8",
          timeout: 30_000,
        });
        expect(result.status, result.stderr).toBe(status);
      }
      const loaded = (JSON.parse(readFileSync(out, "utf8")) as string[]).filter(
        // The executable itself is loaded before the cache is.
        (name) => name.endsWith(".cjs") && name !== preload && name !== bin,
      );
      const cached = new Set(records(cacheFiles(home)[0] as string).map(([name]) => name));
      const uncached = loaded.filter((name) => !cached.has(name));
      // The files of core, the CLI and the env provider that were loaded are in the cache.
      expect(
        loaded.filter((name) => name.includes(`${path.sep}core${path.sep}dist${path.sep}`)).length,
      ).toBeGreaterThan(1);
      for (const name of uncached) expect(readFileSync(name, "utf8"), name).toContain("import(");
      const uncachedBytes = uncached.reduce((sum, name) => sum + statSync(name).size, 0);
      expect(uncachedBytes).toBeLessThan(2048);
    }
  });

  it("a record whose code differs from the file's is not used: the run compiles the file and rewrites the cache", () => {
    if (onNodeWithItsOwnCache()) return;
    const { home, file } = cachedHome();
    const bytes = readFileSync(file);
    // One byte of main.cjs's stored code changed (same length, so V8's own check would pass).
    const main = bytes.indexOf(Buffer.from("main.cjs"));
    const code = main + "main.cjs".length + 4;
    const at = bytes.indexOf(Buffer.from("EXIT"), code);
    expect(main).toBeGreaterThan(-1);
    expect(at).toBeGreaterThan(code);
    bytes[at] = "X".charCodeAt(0);
    writeFileSync(file, bytes);
    const run = secrets(home, ["get", "SECRET_KEY"]);
    expect([run.status, run.stdout, run.stderr]).toEqual([0, value, ""]);
    for (const [name, stored] of records(file)) expect(stored).toBe(readFileSync(name, "utf8"));
    // The rewritten file (the other modules' records carried over from the old one) serves the next run whole.
    const rewritten = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    expect(secrets(home, ["get", "SECRET_KEY"]).stdout).toBe(value);
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readFileSync(file).equals(rewritten)).toBe(true);
  });

  it("a cut-short or foreign cache file is ignored and replaced", () => {
    if (onNodeWithItsOwnCache()) return;
    const { home, file } = cachedHome();
    const whole = readFileSync(file);
    for (const damaged of [whole.subarray(0, whole.length - 7), Buffer.from("not a cache at all")]) {
      writeFileSync(file, damaged);
      const run = secrets(home, ["get", "SECRET_KEY"]);
      expect([run.status, run.stdout, run.stderr]).toEqual([0, value, ""]);
      expect(records(file).map(([name]) => path.basename(name))).toEqual(
        expect.arrayContaining(["bin.cjs", "main.cjs"]),
      );
    }
  });

  it("a cache file too large to be one, or a FIFO in its place, is ignored without hanging and replaced", () => {
    if (onNodeWithItsOwnCache()) return;
    const { home, file } = cachedHome();
    truncateSync(file, 65 * 1024 * 1024);
    const large = secrets(home, ["get", "SECRET_KEY"]);
    expect([large.status, large.stdout, large.stderr]).toEqual([0, value, ""]);
    expect(statSync(file).size).toBeLessThan(8 * 1024 * 1024);
    rmSync(file);
    expect(spawnSync("mkfifo", [file]).status).toBe(0);
    const fifo = secrets(home, ["get", "SECRET_KEY"]);
    expect([fifo.status, fifo.stdout, fifo.stderr]).toEqual([0, value, ""]);
    expect(statSync(file).isFile()).toBe(true);
    expect(records(file).map(([name]) => path.basename(name))).toEqual(
      expect.arrayContaining(["bin.cjs", "main.cjs"]),
    );
  });

  it("none is kept with NODE_DISABLE_COMPILE_CACHE, nor in a cache directory others can write to", () => {
    if (onNodeWithItsOwnCache()) return;
    const home = freshHome();
    const off = secrets(home, ["get", "SECRET_KEY"], { NODE_DISABLE_COMPILE_CACHE: "1" });
    expect([off.status, off.stdout]).toEqual([0, value]);
    expect(cacheFiles(home)).toEqual([]);
    const open = path.join(home, "open");
    const directory = path.join(open, "secrets-cli", "code-cache");
    expect(secrets(home, ["get", "SECRET_KEY"], { XDG_CACHE_HOME: open }).status).toBe(0);
    // The module cache and the resolution cache (see resolve-cache.test.ts).
    expect(readdirSync(directory).sort()).toEqual([
      expect.stringMatching(/^modules\.get\.env-/),
      expect.stringMatching(/^resolutions\.get\.env-/),
    ]);
    for (const name of readdirSync(directory)) rmSync(path.join(directory, name));
    chmodSync(directory, 0o777);
    const shared = secrets(home, ["get", "SECRET_KEY"], { XDG_CACHE_HOME: open });
    expect([shared.status, shared.stdout]).toEqual([0, value]);
    expect(readdirSync(directory)).toEqual([]);
  });
});

describe("which cache file a run uses", () => {
  it("one per command with a cache of its own (else one shared) and per provider, whose modules only its runs load", () => {
    expect(cacheName(["get", "X"], {})).toBe("get.env");
    expect(cacheName(["get", "X"], { SECRET_PROVIDER: "vault" })).toBe("get.vault");
    expect(cacheName(["--provider", "aws", "get", "X"], { SECRET_PROVIDER: "vault" })).toBe("get.aws");
    expect(cacheName(["health", "--provider=Vault"], {})).toBe("health.vault");
    expect(cacheName(["init"], { SECRET_PROVIDER: " aws " })).toBe("cli.aws");
    expect(cacheName(["--json", "rotate", "X"], {})).toBe("cli.env");
    // A package name or a path is not a file name.
    expect(cacheName(["get", "X"], { SECRET_PROVIDER: "@acme/secrets-provider-x" })).toBe("get.other");
    expect(cacheName(["get", "X", "--provider", "../p.js"], {})).toBe("get.other");
    // What follows `--` belongs to the command `run` starts.
    expect(cacheName(["run", "--", "tool", "--provider", "aws"], { SECRET_PROVIDER: "vault" })).toBe(
      "run.vault",
    );
  });
});
