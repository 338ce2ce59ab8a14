import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { canaryValue, findLeaks } from "@org/secrets-test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withOptionsEnded } from "../src/option-end.js";
import { tempDir } from "./helpers.js";

/** The built binary: `--` ends the options, and the names after it are the command's arguments. */
const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const STACK = /^\s+at .+[:(]/m;

let dir: string;
let remove: () => void;
const canaries = { A: canaryValue("ENDA"), K: canaryValue("ENDK") };
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-option-end-"));
  writeFileSync(path.join(dir, "secrets.yaml"), "version: 1\nsecrets:\n  A: {}\n  K: { generate: hex }\n");
  writeFileSync(path.join(dir, ".env"), `A=${canaries.A}\nK=${canaries.K}\n`, { mode: 0o600 });
});
afterEach(() => remove());

function secrets(args: string[], input = "") {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir },
    input,
    encoding: "utf8",
  });
  expect(result.stderr).not.toMatch(STACK);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const envFile = () => readFileSync(path.join(dir, ".env"), "utf8");

describe("-- before the arguments", () => {
  it("get -- A prints A's value", () => {
    expect(secrets(["get", "--", "A"])).toEqual({ code: 0, stdout: canaries.A, stderr: "" });
    expect(secrets(["--json", "get", "--", "A"]).stdout).toContain(`"value": "${canaries.A}"`);
  });

  it("rotate -- K rotates K alone; set -- A stores stdin; delete --yes -- A deletes A", () => {
    expect(secrets(["rotate", "--", "K"]).code).toBe(0);
    expect(envFile()).not.toContain(canaries.K);
    expect(envFile()).toContain(`A=${canaries.A}`);
    expect(secrets(["set", "--", "A"], "new-value").code).toBe(0);
    expect(secrets(["get", "A"]).stdout).toBe("new-value");
    expect(secrets(["delete", "--yes", "--", "A"]).code).toBe(0);
    expect(secrets(["get", "A"]).code).toBe(4);
  });

  it("one name too many is refused, never repeated", () => {
    const result = secrets(["get", "--", "A", "s3cr3t-extra"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "Error: Too many arguments: usage is secrets get <name> (run 'secrets get --help' for usage)\n",
    );
  });

  it("set NAME -- VALUE is still refused, the value not repeated, nothing stored", () => {
    const result = secrets(["set", "A", "--", "hunter2"], "from-stdin");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/does not take the value as an argument/);
    expect(result.stderr).not.toContain("hunter2");
    expect(envFile()).toContain(`A=${canaries.A}`);
  });

  it("no value leaks", () => {
    const result = secrets(["get", "--", "K"]);
    expect(findLeaks({ stderr: result.stderr }, canaries)).toEqual([]);
  });
});

describe("withOptionsEnded", () => {
  it("takes `--` out where what follows are plain arguments", () => {
    expect(withOptionsEnded(["get", "--", "A"])).toEqual(["get", "A"]);
    expect(withOptionsEnded(["--provider", "env", "rotate", "A", "--", "B", "C"])).toEqual([
      "--provider",
      "env",
      "rotate",
      "A",
      "B",
      "C",
    ]);
  });

  it("leaves every other line as it is", () => {
    for (const argv of [
      ["get", "A"],
      ["get", "A", "--"],
      ["run", "--", "node", "x.js"],
      ["get", "--", "--help"],
      ["get", "--", "-A"],
      ["export", "--format", "--", "env"],
      ["rotate", "--dry-run", "--", "true"],
      ["--", "get", "A"],
    ])
      expect(withOptionsEnded(argv), JSON.stringify(argv)).toBe(argv);
  });
});
