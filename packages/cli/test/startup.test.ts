import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadedModulesRecorder } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * What a run loads, counted from V8's own record of every script it compiled
 * (NODE_V8_COVERAGE): ES modules and CommonJS alike. Start-up time follows
 * from what is loaded; these counts catch a regression without timing anything.
 */

/** The `secrets` executable as the package declares it: what `npx @org/secrets-cli` runs. */
const bin = fileURLToPath(
  new URL(
    `../${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).bin.secrets}`,
    import.meta.url,
  ),
);
let dir: string;

beforeAll(() => {
  expect(existsSync(bin), "build packages/cli first").toBe(true);
  dir = mkdtempSync(path.join(tmpdir(), "secrets-startup-"));
  const init = spawnSync(process.execPath, [bin, "init"], { cwd: dir, env: cleanEnv(), encoding: "utf8" });
  expect(init.status, init.stderr).toBe(0);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: dir, SECRET_PROVIDER: "env", ...extra };
}

/** Every file the run compiled, as `package name -> files`, and the run's exit code. */
function loaded(args: string[], env: Record<string, string> = {}) {
  const coverage = mkdtempSync(path.join(tmpdir(), "secrets-coverage-"));
  try {
    const result = spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      env: cleanEnv({ ...env, NODE_V8_COVERAGE: coverage }),
      encoding: "utf8",
    });
    const files = new Set<string>();
    for (const name of readdirSync(coverage))
      for (const script of JSON.parse(readFileSync(path.join(coverage, name), "utf8")).result as {
        url: string;
      }[])
        if (script.url.startsWith("file:")) files.add(fileURLToPath(script.url));
    const byPackage: Record<string, number> = {};
    for (const file of files) {
      const name = packageOf(file);
      byPackage[name] = (byPackage[name] ?? 0) + 1;
    }
    return { code: result.status, stderr: result.stderr, byPackage };
  } finally {
    rmSync(coverage, { recursive: true, force: true });
  }
}

/** `node_modules/.pnpm/x/node_modules/@scope/name/...` and `packages/<dir>/...` by package name. */
function packageOf(file: string): string {
  const parts = file.split(path.sep);
  const modules = parts.lastIndexOf("node_modules");
  if (modules !== -1) {
    const first = parts[modules + 1] ?? "";
    return first.startsWith("@") ? `${first}/${parts[modules + 2]}` : first;
  }
  const packages = parts.lastIndexOf("packages");
  if (packages !== -1) {
    const manifest = path.join(parts.slice(0, packages + 2).join(path.sep), "package.json");
    return JSON.parse(readFileSync(manifest, "utf8")).name as string;
  }
  return file;
}

/** `node FILE ARGS` in `cwd` with the clean environment, its output as text. */
function runFile(file: string, args: string[], cwd: string) {
  return spawnSync(process.execPath, [file, ...args], { cwd, env: cleanEnv(), encoding: "utf8" });
}

/** The built-in modules a run loaded (`process.moduleLoadList`, written at exit by a preload), and its output. */
function builtIns(args: string[], file = bin) {
  const recorder = loadedModulesRecorder(dir);
  const result = spawnSync(process.execPath, ["-r", recorder.preload, file, ...args], {
    cwd: dir,
    env: cleanEnv(),
    encoding: "utf8",
  });
  expect(result.status, result.stderr).toBe(0);
  return { stdout: result.stdout, list: recorder.read() };
}

describe("what a run loads", () => {
  it("the executable is the CommonJS launcher, which runs the entry's CommonJS build", () => {
    expect(path.basename(bin)).toBe("secrets.cjs");
    expect(readFileSync(bin, "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(readFileSync(bin, "utf8")).toMatch(/require\(['"]\.\/bin\.cjs['"]\)/);
  });

  it("--version: the executable alone, without starting the ES module loader or loading Node's module, os or vm", () => {
    const run = loaded(["--version"]);
    expect(run.code).toBe(0);
    expect(run.byPackage).toEqual({ "@org/secrets-cli": 1 });
    const modules = builtIns(["--version"]);
    expect(modules.stdout).toBe(
      `${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`,
    );
    expect(modules.list).toContain("NativeModule internal/modules/cjs/loader");
    // What Node itself loads to run an empty CommonJS file (from Node 24 on, parts of the ES module loader).
    const empty = path.join(dir, "empty.cjs");
    writeFileSync(empty, "");
    const node = new Set(builtIns([], empty).list);
    const beyondNode = (list: string[]) =>
      list.filter(
        (m) =>
          !node.has(m) &&
          /^NativeModule (internal\/modules\/esm\/(module_job|translators|loader)|module|os|vm)$/.test(m),
      );
    // Nor Node's module, os or vm modules: only the version's own code runs.
    expect(beyondNode(modules.list)).toEqual([]);
    // The same check sees what a command loads (Node's module, for the compile cache).
    expect(beyondNode(builtIns(["get", "SECRET_KEY"]).list)).toContain("NativeModule module");
  });

  it("installed without the packages it needs (core is a peer dependency), names the one missing in one line", () => {
    // The package alone in a node_modules: its dist and package.json, none of its dependencies.
    const project = mkdtempSync(path.join(dir, "no-core-"));
    const installed = path.join(project, "node_modules", "@org", "secrets-cli");
    mkdirSync(installed, { recursive: true });
    cpSync(path.dirname(bin), path.join(installed, "dist"), { recursive: true });
    copyFileSync(new URL("../package.json", import.meta.url), path.join(installed, "package.json"));
    const executable = path.join(installed, "dist", path.basename(bin));
    const run = runFile(executable, ["get", "SECRET_KEY"], project);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /^Error: the secrets command could not start: the package (@org\/secrets-[a-z-]+) is not installed \(npm install \1\)\n$/,
    );
    // A file of the package itself gone: no path shown, only what to do.
    rmSync(path.join(installed, "dist", "main.cjs"));
    const broken = runFile(executable, ["get", "SECRET_KEY"], project);
    expect([broken.status, broken.stderr]).toEqual([
      1,
      "Error: the secrets command could not start: a file of @org/secrets-cli is missing (reinstall @org/secrets-cli)\n",
    ]);
  });

  it("a launcher without the rest of its package says so in one line and exits 1", () => {
    const alone = mkdtempSync(path.join(dir, "alone-"));
    copyFileSync(bin, path.join(alone, "secrets.cjs"));
    expect(runFile(path.join(alone, "secrets.cjs"), ["--version"], dir).status).toBe(0);
    const broken = runFile(path.join(alone, "secrets.cjs"), ["get", "SECRET_KEY"], dir);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toBe(
      "Error: the secrets CLI could not be loaded (MODULE_NOT_FOUND): reinstall @org/secrets-cli\n",
    );
  });

  it("get on the env provider: the CLI's three files (the executable, bin and main), core, the exporters' checks and the env provider; no parser, no other provider, no OpenTelemetry", () => {
    const run = loaded(["get", "SECRET_KEY"]);
    expect(run.code, run.stderr).toBe(0);
    expect(Object.keys(run.byPackage).sort()).toEqual([
      "@org/secrets-cli",
      "@org/secrets-core",
      "@org/secrets-exporters",
      "@org/secrets-provider-env",
    ]);
    expect(run.byPackage["@org/secrets-cli"]).toBe(3);
  });

  it("health on the env provider: also the initializer, still no parser, YAML or other provider", () => {
    const run = loaded(["health"]);
    expect(run.code, run.stderr).toBe(0);
    expect(Object.keys(run.byPackage).sort()).toEqual([
      "@org/secrets-cli",
      "@org/secrets-core",
      "@org/secrets-exporters",
      "@org/secrets-initializer",
      "@org/secrets-provider-env",
    ]);
    expect(run.byPackage["@org/secrets-cli"]).toBe(3);
  });

  it("a project manifest brings in the YAML parser, and only that", () => {
    const project = mkdtempSync(path.join(dir, "project-"));
    writeFileSync(path.join(project, "secrets.yaml"), "version: 1\nsecrets:\n  A: { required: false }\n");
    const run = loaded(["health", "--manifest", path.join(project, "secrets.yaml")]);
    expect(run.code, run.stderr).toBe(0);
    expect(Object.keys(run.byPackage).sort()).toEqual([
      "@org/secrets-cli",
      "@org/secrets-core",
      "@org/secrets-exporters",
      "@org/secrets-initializer",
      "@org/secrets-provider-env",
      "yaml",
    ]);
  });

  it("help and a malformed command line load the full parser (yargs)", () => {
    const help = loaded(["get", "--help"]);
    expect(help.code).toBe(0);
    expect(help.byPackage.yargs).toBeGreaterThan(0);
    const bad = loaded(["get"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      "Error: Missing argument: usage is secrets get <name> (run 'secrets get --help' for usage)\n",
    );
    expect(bad.byPackage.yargs).toBeGreaterThan(0);
  });
});
