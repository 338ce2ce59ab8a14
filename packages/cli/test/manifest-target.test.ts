import { spawnSync } from "node:child_process";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MANIFEST_FILE_NAMES } from "@org/secrets-initializer";
import { canaryValue, findLeaks } from "@org/secrets-test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MANIFEST_NAMES } from "../src/own-files.js";
import { tempDir } from "./helpers.js";

/** The built binary: set, delete, copy, init and rotate never write the env provider's dotenv file when it is the manifest. */
const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const STACK = /^\s+at .+[:(]/m;
const MANIFEST = "version: 1\nsecrets:\n  A: {}\n";

let dir: string;
let remove: () => void;
const canaries = { A: canaryValue("MANIFESTA"), NEW: canaryValue("MANIFESTNEW") };
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-manifest-target-"));
  writeFileSync(path.join(dir, "secrets.yaml"), MANIFEST);
  writeFileSync(path.join(dir, ".env"), `A=${canaries.A}\n`, { mode: 0o600 });
});
afterEach(() => remove());

function secrets(args: string[], env: Record<string, string> = {}, stdin = canaries.NEW) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    input: stdin,
    encoding: "utf8",
  });
  expect(result.stderr).not.toMatch(STACK);
  expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, canaries)).toEqual([]);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const read = (name: string) => readFileSync(path.join(dir, name), "utf8");
const refused = (command: string, file: string, manifest: string) =>
  `Error: Refused: the env provider's dotenv file ${file} is the manifest (${manifest}); writing secrets there would damage it: point --dotenv-file or SECRET_ENV_FILE at another file (run 'secrets ${command} --help' for usage)\n`;

describe("a dotenv file that is the manifest is never written", () => {
  it("set, delete and copy --to env: exit 2, the manifest unchanged", () => {
    expect(secrets(["--dotenv-file", "secrets.yaml", "set", "NEW"])).toEqual({
      code: 2,
      stdout: "",
      stderr: refused("set", "secrets.yaml", "secrets.yaml"),
    });
    expect(secrets(["delete", "version", "--yes"], { SECRET_ENV_FILE: "secrets.yaml" })).toEqual({
      code: 2,
      stdout: "",
      stderr: refused("delete", "secrets.yaml", "secrets.yaml"),
    });
    for (const extra of [[], ["--overwrite"], ["--dry-run"], ["--all"]])
      expect(
        secrets([
          "copy",
          "--from",
          "env",
          "--to",
          "env",
          "--to-set",
          "SECRET_ENV_FILE=secrets.yaml",
          ...extra,
        ]),
        extra.join(" "),
      ).toEqual({ code: 2, stdout: "", stderr: refused("copy", "secrets.yaml", "secrets.yaml") });
    expect(read("secrets.yaml")).toBe(MANIFEST);
  });

  it("init and rotate (also with --dry-run): exit 2, the manifest unchanged", () => {
    // A manifest with a secret to generate, which init would otherwise write into it.
    const generating = "version: 1\nsecrets:\n  GENERATED_KEY:\n    generate: hex\n";
    writeFileSync(path.join(dir, "secrets.yaml"), generating);
    for (const command of ["init", "rotate"])
      for (const extra of [[], ["--dry-run"]])
        expect(secrets(["--dotenv-file", "secrets.yaml", command, ...extra]), `${command} ${extra}`).toEqual({
          code: 2,
          stdout: "",
          stderr: refused(command, "secrets.yaml", "secrets.yaml"),
        });
    expect(read("secrets.yaml")).toBe(generating);
  });

  it("through a link, and a manifest named by --manifest or SECRETS_MANIFEST", () => {
    symlinkSync("secrets.yaml", path.join(dir, "link.env"));
    expect(secrets(["--dotenv-file", "link.env", "set", "NEW"]).stderr).toBe(
      refused("set", "link.env", "secrets.yaml"),
    );
    writeFileSync(path.join(dir, "m.yaml"), MANIFEST);
    expect(secrets(["--manifest", "m.yaml", "--dotenv-file", "m.yaml", "set", "NEW"]).stderr).toBe(
      refused("set", "m.yaml", "m.yaml"),
    );
    expect(
      secrets(["copy", "--from", "env", "--to", "env", "--to-set", "SECRET_ENV_FILE=m.yaml", "A"], {
        SECRETS_MANIFEST: "m.yaml",
      }).code,
    ).toBe(2);
    expect(read("secrets.yaml")).toBe(MANIFEST);
    expect(read("m.yaml")).toBe(MANIFEST);
  });

  it("another file is still written", () => {
    expect(secrets(["set", "NEW"]).code).toBe(0);
    expect(
      secrets(["copy", "--from", "env", "--to", "env", "--to-set", "SECRET_ENV_FILE=copy.env", "A"]).code,
    ).toBe(0);
    expect(read("copy.env")).toContain(`A=${canaries.A}\n`);
    expect(read("secrets.yaml")).toBe(MANIFEST);
  });

  it("knows the manifest names the initializer looks for", () => {
    expect(MANIFEST_NAMES).toEqual(MANIFEST_FILE_NAMES);
  });
});
