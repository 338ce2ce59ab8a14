import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { canaryValue, findLeaks } from "@org/secrets-test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

/** The built binaries, started in a directory that was removed after they were given it. */
const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const esmBin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const STACK = /^\s+at .+[:(]/m;

let dir: string;
let remove: () => void;
let gone: string;
const canary = canaryValue("CWD");
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-gone-cwd-"));
  writeFileSync(path.join(dir, ".env"), `A=${canary}\n`, { mode: 0o600 });
  gone = path.join(dir, "gone");
});
afterEach(() => remove());

/**
 * `mkdir gone; cd gone; rmdir ../gone; secrets ARGS`: a shell started in the
 * directory removes it, then runs the CLI there.
 */
function inRemovedDirectory(args: string[], env: Record<string, string> = {}, script = bin) {
  mkdirSync(gone);
  const quoted = [process.execPath, script, ...args].map((word) => `'${word.replace(/'/g, "'\\''")}'`);
  // The shell sets PWD itself: `PWD: ""` asks for none at all.
  const unset = env.PWD === "" ? "unset PWD; " : "";
  const result = spawnSync("sh", ["-c", `rmdir "$GONE" && ${unset}exec ${quoted.join(" ")}`], {
    cwd: gone,
    env: { PATH: process.env.PATH ?? "", HOME: dir, GONE: gone, PWD: gone, ...env },
    input: "x",
    encoding: "utf8",
  });
  if (env.LOG_LEVEL !== "debug") expect(result.stderr).not.toMatch(STACK);
  expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, { canary })).toEqual([]);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("a working directory that was removed", () => {
  const line = () =>
    `Error: the current directory no longer exists: ${gone} (change to an existing directory and run the command again)\n`;

  it.each([
    ["get", ["get", "A"]],
    ["health", ["health"]],
    ["init", ["init"]],
    ["list", ["list"]],
    ["export", ["export", "--format", "env"]],
    ["set", ["set", "A"]],
    ["--help", ["--help"]],
    ["an unknown command", ["nope"]],
  ])("%s: one line, exit 1, no stack trace", (_label, args) => {
    expect(inRemovedDirectory(args)).toEqual({ code: 1, stdout: "", stderr: line() });
  });

  it("the same from the ES module entry", () => {
    expect(inRemovedDirectory(["get", "A"], {}, esmBin)).toEqual({ code: 1, stdout: "", stderr: line() });
  });

  it("LOG_LEVEL=debug: still one line, nothing of Node's error", () => {
    const result = inRemovedDirectory(["get", "A"], { LOG_LEVEL: "debug" });
    expect(result).toEqual({ code: 1, stdout: "", stderr: line() });
  });

  it("without PWD the directory is not named", () => {
    const result = inRemovedDirectory(["list"], { PWD: "" });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "Error: the current directory no longer exists (change to an existing directory and run the command again)\n",
    });
  });

  it("--json: the failure as a JSON document too; LOG_FORMAT=json: a JSON line", () => {
    const json = inRemovedDirectory(["list", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { code: "NO_WORKING_DIRECTORY", message: line().slice("Error: ".length, -1) },
    });
    const lines = inRemovedDirectory(["get", "A"], { LOG_FORMAT: "json" });
    expect(lines.code).toBe(1);
    expect(JSON.parse(lines.stderr)).toMatchObject({ level: "error", code: "NO_WORKING_DIRECTORY" });
  });

  it("--version needs no directory; completion says nothing", () => {
    expect(inRemovedDirectory(["--version"]).code).toBe(0);
    expect(inRemovedDirectory(["__complete", "ge"])).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});
