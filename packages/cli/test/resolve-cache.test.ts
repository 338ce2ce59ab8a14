import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolutionCacheAllowed } from "../src/resolve-cache.js";

/*
 * The executable keeps what each `require` resolved to (resolve-cache.ts). A
 * run answered from the cache must load what Node would load: every change to
 * what Node's answer depended on (a relinked package, an edited `package.json`,
 * a closer copy of a package, a new file Node tries first) makes it resolve
 * afresh. Each run is a process of its own, as Node keeps its own caches of
 * `package.json` files and paths for the life of a process.
 */

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
let dir: string;
let project: string;
let store: string;

/**
 * A provider package, installed through a link, with one dependency (its main
 * entry and a subpath it exports, `/extra`, empty) and two relative `require`s
 * of its own: `./suffix` (a JSON file) and `./lib` (a directory's index, empty).
 */
function writeProvider(root: string, label: string): void {
  mkdirSync(path.join(root, "lib"), { recursive: true });
  writeFileSync(path.join(root, "package.json"), '{ "name": "acme-provider", "main": "index.cjs" }');
  writeFileSync(path.join(root, "suffix.json"), `"-${label}"\n`);
  writeFileSync(path.join(root, "lib", "index.js"), 'module.exports = "";\n');
  writeFileSync(
    path.join(root, "index.cjs"),
    [
      "exports.createProvider = () => ({",
      '  name: "acme",',
      '  async get(name) { return { value: require("acme-dependency").prefix + name + require("./suffix") + require("./lib") + require("acme-dependency/extra") }; },',
      "  async set() {},",
      "  async delete() { return false; },",
      "  async check() {},",
      "});",
    ].join("\n"),
  );
}

function writeDependency(root: string, main: string, prefix: string): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, "package.json"), dependencyManifest(main, "./extra.js"));
  writeFileSync(path.join(root, main), `exports.prefix = ${JSON.stringify(prefix)};\n`);
  writeFileSync(path.join(root, "extra.js"), 'module.exports = "";\n');
  writeFileSync(path.join(root, "extra2.js"), 'module.exports = "-extra2";\n');
}

function dependencyManifest(main: string, extra: string): string {
  return JSON.stringify({ name: "acme-dependency", exports: { ".": `./${main}`, "./extra": extra } });
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "secrets-resolve-cache-"));
  store = path.join(dir, "store", "node_modules");
  writeProvider(path.join(store, "acme-provider"), "one");
  writeDependency(path.join(store, "acme-dependency"), "index.js", "from-acme:");
  project = path.join(dir, "project");
  mkdirSync(path.join(project, "node_modules"), { recursive: true });
  symlinkSync(path.join(store, "acme-provider"), path.join(project, "node_modules", "acme-provider"), "dir");
  // Records every request Node's own resolver answered (the executable's cache stands in front of it;
  // requests that fail, such as core's look for the provider where it is not installed, are not kept).
  writeFileSync(
    path.join(dir, "count.cjs"),
    [
      'const Module = require("node:module");',
      "const resolve = Module._resolveFilename;",
      "const seen = [];",
      "Module._resolveFilename = function (request, parent, isMain, options) {",
      "  const file = resolve.call(this, request, parent, isMain, options);",
      "  if (!isMain && !Module.isBuiltin(request)) seen.push(request);",
      "  return file;",
      "};",
      'process.on("exit", () => require("node:fs").writeFileSync(process.env.SEEN_FILE, JSON.stringify(seen)));',
    ].join("\n"),
  );
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `secrets get X` on the acme provider: exit code, stdout, stderr, and the requests Node resolved itself. */
function get(env: Record<string, string> = {}, cwd = project): [number | null, string, string, string[]] {
  const seenFile = path.join(dir, "seen.json");
  rmSync(seenFile, { force: true });
  const result = spawnSync(process.execPath, [bin, "get", "X"], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      SECRET_PROVIDER: "acme-provider",
      NODE_OPTIONS: `--require ${path.join(dir, "count.cjs")}`,
      SEEN_FILE: seenFile,
      ...env,
    },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30_000,
  });
  return [
    result.status,
    result.stdout,
    result.stderr,
    JSON.parse(readFileSync(seenFile, "utf8")) as string[],
  ];
}

function cacheFiles(): string[] {
  const cache = path.join(dir, ".cache", "secrets-cli", "code-cache");
  return readdirSync(cache)
    .filter((name) => name.startsWith("resolutions."))
    .map((name) => path.join(cache, name));
}

describe("the resolution cache", () => {
  it("answers a second run's requests without Node's resolver, with the same modules", () => {
    const [status, stdout, stderr, first] = get();
    expect([status, stdout, stderr]).toEqual([0, "from-acme:X-one", ""]);
    expect(first).toEqual(
      expect.arrayContaining(["./bin.cjs", "@org/secrets-core", "acme-dependency", "./suffix"]),
    );
    const [file] = cacheFiles();
    expect(path.basename(file as string)).toMatch(/^resolutions\.get\.acme-provider-v[\d.]+\.json$/);
    expect(statSync(file as string).mode & 0o777).toBe(0o600);
    const written = statSync(file as string).mtimeMs;

    expect(get()).toEqual([0, "from-acme:X-one", "", []]);
    // Nothing new was resolved: the file is not rewritten.
    expect(statSync(file as string).mtimeMs).toBe(written);
  });

  it("keeps the answers of runs in other projects: runs alternating between two resolve nothing", () => {
    const second = path.join(dir, "second");
    writeProvider(path.join(second, "node_modules", "acme-provider"), "two");
    writeDependency(path.join(second, "node_modules", "acme-dependency"), "index.js", "second:");
    expect(get().slice(0, 3)).toEqual([0, "from-acme:X-one", ""]);
    expect(get({}, second).slice(0, 3)).toEqual([0, "second:X-two", ""]);
    const [file] = cacheFiles() as [string];
    const written = statSync(file).mtimeMs;
    expect(get()).toEqual([0, "from-acme:X-one", "", []]);
    expect(get({}, second)).toEqual([0, "second:X-two", "", []]);
    expect(statSync(file).mtimeMs).toBe(written);
  });

  it("resolves afresh a package relinked to another copy", () => {
    get();
    const other = path.join(dir, "other", "node_modules");
    writeProvider(path.join(other, "acme-provider"), "two");
    writeDependency(path.join(other, "acme-dependency"), "index.js", "other:");
    const link = path.join(project, "node_modules", "acme-provider");
    unlinkSync(link);
    symlinkSync(path.join(other, "acme-provider"), link, "dir");
    expect(get().slice(0, 3)).toEqual([0, "other:X-two", ""]);
    expect(get()).toEqual([0, "other:X-two", "", []]);
  });

  it("resolves afresh a package whose package.json now names another file", () => {
    get();
    writeDependency(path.join(store, "acme-dependency"), "two.js", "two:");
    expect(get().slice(0, 3)).toEqual([0, "two:X-one", ""]);
  });

  it("resolves afresh a subpath whose package.json, rewritten in place, exports another file already there", () => {
    get();
    const manifest = path.join(store, "acme-dependency", "package.json");
    const before = statSync(path.dirname(manifest)).mtimeMs;
    writeFileSync(manifest, dependencyManifest("index.js", "./extra2.js"));
    // Nothing was added to or removed from the package's directory: only package.json tells.
    expect(statSync(path.dirname(manifest)).mtimeMs).toBe(before);
    expect(get().slice(0, 3)).toEqual([0, "from-acme:X-one-extra2", ""]);
  });

  it("resolves afresh when a closer copy of a package appears", () => {
    get();
    writeDependency(
      path.join(store, "acme-provider", "node_modules", "acme-dependency"),
      "index.js",
      "nested:",
    );
    expect(get().slice(0, 3)).toEqual([0, "nested:X-one", ""]);
  });

  it("resolves afresh when a file Node tries first appears beside the one it found", () => {
    get();
    // `require("./suffix")` found suffix.json; Node tries suffix.js before it.
    writeFileSync(path.join(store, "acme-provider", "suffix.js"), 'module.exports = "-js";\n');
    expect(get().slice(0, 3)).toEqual([0, "from-acme:X-js", ""]);
  });

  it("resolves afresh when a file Node tries first appears beside the directory it found", () => {
    get();
    // `require("./lib")` found lib/index.js; Node tries lib.js before the directory.
    writeFileSync(path.join(store, "acme-provider", "lib.js"), 'module.exports = "-lib";\n');
    expect(get().slice(0, 3)).toEqual([0, "from-acme:X-one-lib", ""]);
  });

  it("resolves afresh when the file it found is gone, and fails as Node fails", () => {
    get();
    renameSync(path.join(store, "acme-dependency"), path.join(dir, "moved"));
    const [status, stdout, stderr] = get();
    expect([status, stdout]).toEqual([1, ""]);
    expect(stderr).toMatch(/acme-dependency/);
  });

  it("ignores a cache file that is cut short, not JSON or points outside its paths, and writes a good one", () => {
    get();
    const [file] = cacheFiles() as [string];
    const good = readFileSync(file, "utf8");
    const broken = [
      good.slice(0, good.length >> 1),
      "not json",
      JSON.stringify({ ...JSON.parse(good), entries: [[0, "acme-dependency", 99, [0]]] }),
      JSON.stringify({ ...JSON.parse(good), version: 0 }),
    ];
    for (const contents of broken) {
      writeFileSync(file, contents, { mode: 0o600 });
      const [status, stdout, , seen] = get();
      expect([status, stdout]).toEqual([0, "from-acme:X-one"]);
      expect(seen).toContain("acme-dependency");
      expect(get()).toEqual([0, "from-acme:X-one", "", []]);
    }
  });

  it("ignores a cache file too large to be one, or a FIFO in its place, without hanging, and writes a good one", () => {
    get();
    const [file] = cacheFiles() as [string];
    truncateSync(file, 9 * 1024 * 1024);
    expect(get().slice(0, 3)).toEqual([0, "from-acme:X-one", ""]);
    expect(statSync(file).size).toBeLessThan(1024 * 1024);
    rmSync(file);
    expect(spawnSync("mkfifo", [file]).status).toBe(0);
    const [status, stdout, , seen] = get();
    expect([status, stdout]).toEqual([0, "from-acme:X-one"]);
    expect(seen).toContain("acme-dependency");
    expect(statSync(file).isFile()).toBe(true);
    // And every answer of the run that met the FIFO was kept (a numeric stat of the FIFO once
    // made Node 20's realpathSync leave the next link unresolved).
    expect(get()).toEqual([0, "from-acme:X-one", "", []]);
  });

  it("is not used with a flag that changes how Node resolves", () => {
    get();
    const [status, stdout, , seen] = get({
      NODE_OPTIONS: `--conditions=development --require ${path.join(dir, "count.cjs")}`,
    });
    expect([status, stdout]).toEqual([0, "from-acme:X-one"]);
    expect(seen).toEqual(expect.arrayContaining(["./bin.cjs", "acme-dependency", "./suffix"]));
  });

  it("is not used with NODE_DISABLE_COMPILE_CACHE, and writes nothing", () => {
    const [status, stdout, , seen] = get({ NODE_DISABLE_COMPILE_CACHE: "1" });
    expect([status, stdout]).toEqual([0, "from-acme:X-one"]);
    expect(seen).toContain("acme-dependency");
    expect(() => cacheFiles()).toThrow(/ENOENT/);
  });
});

describe("resolutionCacheAllowed", () => {
  it("refuses flags and settings that change resolution, wherever they are given", () => {
    expect(resolutionCacheAllowed({}, [])).toBe(true);
    expect(
      resolutionCacheAllowed({ NODE_OPTIONS: "--require dotenv/config" }, ["--enable-source-maps"]),
    ).toBe(true);
    for (const flag of [
      "--preserve-symlinks",
      "--preserve-symlinks-main",
      "--conditions=dev",
      "-C",
      "--loader=x",
    ]) {
      expect(resolutionCacheAllowed({}, [flag])).toBe(false);
      expect(resolutionCacheAllowed({ NODE_OPTIONS: `--max-old-space-size=100 ${flag}` }, [])).toBe(false);
    }
    expect(resolutionCacheAllowed({ NODE_PRESERVE_SYMLINKS: "1" }, [])).toBe(false);
    expect(resolutionCacheAllowed({ NODE_DISABLE_COMPILE_CACHE: "1" }, [])).toBe(false);
  });
});
