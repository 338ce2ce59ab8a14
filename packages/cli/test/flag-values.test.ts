import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { canaryValue, findLeaks } from "@org/secrets-test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

/** The built binary: a flag given a value other than true or false is refused before anything is done. */
const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const STACK = /^\s+at .+[:(]/m;

let dir: string;
let remove: () => void;
const canaries = { K: canaryValue("FLAGK"), OTHER: canaryValue("FLAGOTHER") };
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-flag-values-"));
  writeFileSync(
    path.join(dir, "secrets.yaml"),
    "version: 1\nsecrets:\n  K: { generate: hex }\n  OPT: { required: false }\n",
  );
  writeFileSync(path.join(dir, ".env"), `K=${canaries.K}\nOTHER=${canaries.OTHER}\n`, { mode: 0o600 });
});
afterEach(() => remove());

function secrets(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir },
    input: "",
    encoding: "utf8",
  });
  expect(result.stderr).not.toMatch(STACK);
  expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, canaries)).toEqual([]);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const envFile = () => readFileSync(path.join(dir, ".env"), "utf8");
const refusal = (option: string, command: string) =>
  `Error: --${option} is a flag: give it alone, or as --${option}=true or --${option}=false (run 'secrets ${command} --help' for usage)\n`;

describe("a flag given a value other than true or false", () => {
  it.each(["yes", "1", "on", "y", "TRUE", "no", ""])(
    "rotate --dry-run=%s: exit 2, one line naming the option, nothing rotated",
    (value) => {
      const before = envFile();
      const result = secrets(["rotate", `--dry-run=${value}`]);
      expect(result).toEqual({ code: 2, stdout: "", stderr: refusal("dry-run", "rotate") });
      expect(envFile()).toBe(before);
    },
  );

  it("the value is never repeated", () => {
    const result = secrets(["rotate", "--dry-run=hunter2-not-a-flag-value"]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain("hunter2");
  });

  it("init --force --dry-run=yes regenerates nothing", () => {
    const before = envFile();
    expect(secrets(["init", "--force", "--dry-run=yes"])).toEqual({
      code: 2,
      stdout: "",
      stderr: refusal("dry-run", "init"),
    });
    expect(envFile()).toBe(before);
  });

  it("copy --all --dry-run=yes writes nothing", () => {
    const result = secrets([
      "copy",
      "--from",
      "env",
      "--to",
      "env",
      "--to-set",
      "SECRET_ENV_FILE=.env.copy",
      "--all",
      "--dry-run=yes",
    ]);
    expect(result).toEqual({ code: 2, stdout: "", stderr: refusal("dry-run", "copy") });
    expect(existsSync(path.join(dir, ".env.copy"))).toBe(false);
  });

  it("health --strict=yes does not turn the gate off", () => {
    // OPT is missing: degraded, which --strict turns into exit 3.
    expect(secrets(["health", "--strict"]).code).toBe(3);
    expect(secrets(["health", "--strict=yes"])).toEqual({
      code: 2,
      stdout: "",
      stderr: refusal("strict", "health"),
    });
    expect(secrets(["health", "--strict=1"]).code).toBe(2);
  });

  it("aliases, camelCase spellings and global flags too", () => {
    expect(secrets(["rotate", "--dryRun=yes"]).stderr).toBe(refusal("dry-run", "rotate"));
    expect(secrets(["delete", "K", "-y=no"]).stderr).toBe(refusal("yes", "delete"));
    expect(secrets(["list", "-q=on"]).stderr).toBe(refusal("quiet", "list"));
    expect(secrets(["get", "K", "--json=1"]).stderr).toBe(refusal("json", "get"));
    expect(envFile()).toMatch(/^K=/m);
  });

  it("=true and =false still mean what they say", () => {
    const before = envFile();
    expect(secrets(["rotate", "--dry-run=true"]).code).toBe(0);
    expect(envFile()).toBe(before);
    expect(secrets(["health", "--strict=true"]).code).toBe(3);
    expect(secrets(["health", "--strict=false"]).code).toBe(0);
    expect(secrets(["rotate", "--dry-run=false"]).code).toBe(0);
    expect(envFile()).not.toContain(canaries.K);
    expect(envFile()).toContain(`OTHER=${canaries.OTHER}`);
  });

  it("after --, a command's own arguments are its own", () => {
    writeFileSync(path.join(dir, "echo.cjs"), "process.stdout.write(process.argv.slice(2).join(' '));\n");
    const result = secrets(["run", "--", process.execPath, "echo.cjs", "--dry-run=yes"]);
    expect(result).toEqual({ code: 0, stdout: "--dry-run=yes", stderr: "" });
  });
});
