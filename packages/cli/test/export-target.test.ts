import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { canaryValue, findLeaks } from "@org/secrets-test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

/** The built binary: `export --output` never replaces the env provider's own file or the manifest. */
const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const STACK = /^\s+at .+[:(]/m;
const MANIFEST = "version: 1\nsecrets:\n  A: {}\n";

let dir: string;
let remove: () => void;
const canaries = { A: canaryValue("TARGETA"), OTHER: canaryValue("TARGETOTHER") };
const STORE = () => `A=${canaries.A}\nOTHER=${canaries.OTHER}\n`;
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-export-target-"));
  writeFileSync(path.join(dir, "secrets.yaml"), MANIFEST);
});
afterEach(() => remove());

function secrets(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    encoding: "utf8",
  });
  expect(result.stderr).not.toMatch(STACK);
  expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, canaries)).toEqual([]);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const read = (name: string) => readFileSync(path.join(dir, name), "utf8");
const HINT = " (run 'secrets export --help' for usage)\n";
const ontoStore = (output: string, file: string) =>
  `Error: Export refused: --output ${output} is the env provider's own dotenv file (${file}); writing there would replace the secrets it holds: choose another file${HINT}`;
const ontoManifest = (output: string, file: string) =>
  `Error: Export refused: --output ${output} is the manifest (${file}); writing there would replace it: choose another file${HINT}`;

describe("export --output onto the provider's own file or the manifest", () => {
  it.each(["env", "json", "yaml", "shell"])("--format %s --output .env: exit 2, .env untouched", (format) => {
    writeFileSync(path.join(dir, ".env"), STORE(), { mode: 0o600 });
    const result = secrets(["export", "--format", format, "--output", ".env"]);
    expect(result).toEqual({ code: 2, stdout: "", stderr: ontoStore(".env", ".env") });
    expect(read(".env")).toBe(STORE());
  });

  it("the same through another spelling of the path, or an absolute one", () => {
    writeFileSync(path.join(dir, ".env"), STORE(), { mode: 0o600 });
    mkdirSync(path.join(dir, "sub"));
    for (const output of ["./.env", "sub/../.env", path.join(dir, ".env")]) {
      expect(secrets(["export", "--format", "json", "--output", output]).code, output).toBe(2);
      expect(read(".env")).toBe(STORE());
    }
  });

  it("SECRET_ENV_FILE and --dotenv-file name the file", () => {
    writeFileSync(path.join(dir, "store.env"), STORE(), { mode: 0o600 });
    expect(
      secrets(["export", "--format", "json", "-o", "store.env"], { SECRET_ENV_FILE: "store.env" }),
    ).toEqual({
      code: 2,
      stdout: "",
      stderr: ontoStore("store.env", "store.env"),
    });
    expect(secrets(["--dotenv-file", "store.env", "export", "--format", "env", "-o", "store.env"]).code).toBe(
      2,
    );
    expect(read("store.env")).toBe(STORE());
    // Another file is fine.
    expect(secrets(["export", "--format", "json", "-o", ".env"], { SECRET_ENV_FILE: "store.env" }).code).toBe(
      0,
    );
    expect(JSON.parse(read(".env"))).toEqual({ A: canaries.A });
  });

  it("a symlink to the file, the file behind a symlink, and a path through a symlinked directory", () => {
    writeFileSync(path.join(dir, "real.env"), STORE(), { mode: 0o600 });
    symlinkSync("real.env", path.join(dir, ".env"));
    symlinkSync("real.env", path.join(dir, "link.env"));
    symlinkSync(".", path.join(dir, "here"));
    for (const output of [".env", "real.env", "link.env", "here/real.env", "here/.env"]) {
      const result = secrets(["export", "--format", "json", "--output", output]);
      expect(result.code, output).toBe(2);
      expect(result.stderr, output).toMatch(
        /^Error: Export refused: --output .* is the env provider's own dotenv file/,
      );
      expect(read("real.env")).toBe(STORE());
    }
  });

  it("a dotenv file that does not exist yet, reached through a symlinked directory", () => {
    symlinkSync(".", path.join(dir, "here"));
    expect(secrets(["export", "--format", "json", "--output", "here/.env", "--allow-missing"])).toEqual({
      code: 2,
      stdout: "",
      stderr: ontoStore("here/.env", ".env"),
    });
    expect(existsSync(path.join(dir, ".env"))).toBe(false);
  });

  it("the file a dangling .env link names, which the env provider would create", () => {
    mkdirSync(path.join(dir, "shared"));
    symlinkSync("shared/real.env", path.join(dir, ".env"));
    expect(secrets(["export", "--format", "json", "--output", "shared/real.env", "--allow-missing"])).toEqual(
      { code: 2, stdout: "", stderr: ontoStore("shared/real.env", ".env") },
    );
    expect(existsSync(path.join(dir, "shared", "real.env"))).toBe(false);
  });

  it("the manifest: secrets.yaml, --manifest, SECRETS_MANIFEST, through a symlink", () => {
    writeFileSync(path.join(dir, ".env"), STORE(), { mode: 0o600 });
    expect(secrets(["export", "--format", "yaml", "--output", "secrets.yaml"])).toEqual({
      code: 2,
      stdout: "",
      stderr: ontoManifest("secrets.yaml", "secrets.yaml"),
    });
    writeFileSync(path.join(dir, "m.yaml"), MANIFEST);
    symlinkSync("m.yaml", path.join(dir, "m-link.yaml"));
    expect(secrets(["--manifest", "m.yaml", "export", "--format", "yaml", "-o", "m-link.yaml"]).stderr).toBe(
      ontoManifest("m-link.yaml", "m.yaml"),
    );
    expect(secrets(["export", "--format", "yaml", "-o", "m.yaml"], { SECRETS_MANIFEST: "m.yaml" }).code).toBe(
      2,
    );
    expect(read("secrets.yaml")).toBe(MANIFEST);
    expect(read("m.yaml")).toBe(MANIFEST);
  });

  it("the lock file the provider's writers take, beside the file a write replaces, through links too", () => {
    const ontoLock = (output: string, file: string) =>
      `Error: Export refused: --output ${output} is the lock file of the env provider's dotenv file (${file}); writing there would break the lock that keeps its writers from overwriting one another: choose another file${HINT}`;
    writeFileSync(path.join(dir, ".env"), STORE(), { mode: 0o600 });
    expect(secrets(["export", "--format", "env", "--output", ".env.lock"])).toEqual({
      code: 2,
      stdout: "",
      stderr: ontoLock(".env.lock", ".env.lock"),
    });
    symlinkSync(".env.lock", path.join(dir, "lock-link"));
    expect(secrets(["export", "--format", "env", "--output", "lock-link"]).stderr).toBe(
      ontoLock("lock-link", ".env.lock"),
    );
    expect(existsSync(path.join(dir, ".env.lock"))).toBe(false);
    // A .env that is a link: its writers lock the file it names.
    mkdirSync(path.join(dir, "shared"));
    writeFileSync(path.join(dir, "shared", "real.env"), STORE(), { mode: 0o600 });
    symlinkSync("shared/real.env", path.join(dir, "link.env"));
    expect(
      secrets(["export", "--format", "env", "-o", "shared/real.env.lock"], { SECRET_ENV_FILE: "link.env" }),
    ).toEqual({ code: 2, stdout: "", stderr: ontoLock("shared/real.env.lock", "shared/real.env.lock") });
    expect(existsSync(path.join(dir, "shared", "real.env.lock"))).toBe(false);
    expect(read(".env")).toBe(STORE());
  });

  it("an ordinary file is still written", () => {
    writeFileSync(path.join(dir, ".env"), STORE(), { mode: 0o600 });
    const result = secrets(["export", "--format", "env", "--output", "prod.env"]);
    expect(result.code).toBe(0);
    expect(read("prod.env")).toBe(`A=${canaries.A}\n`);
    expect(read(".env")).toBe(STORE());
  });
});
