import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type CliResult, runCli } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { giveToUser, unprivileged } from "./unprivileged.js";

/*
 * Files the user may not read or write, met by the bundled CLI: one line that
 * names the file and says why, a non-zero exit, nothing written. The CLI runs
 * as a user the modes bind (see unprivileged.ts).
 */

const bundle = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const CANARY = "canary-value-9f3c2a7e41d8";

let base: string;
let cli: string;
let home: string;

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), "secrets-permissions-"));
  chmodSync(base, 0o755);
  // The bundle alone, where the user can read it (the checkout may be private to its owner).
  mkdirSync(path.join(base, "opt"), { mode: 0o755 });
  cli = path.join(base, "opt", "secrets.cjs");
  copyFileSync(bundle, cli);
  chmodSync(cli, 0o644);
  home = path.join(base, "home");
  mkdirSync(home, { mode: 0o700 });
  giveToUser(home);
});

afterAll(() => {
  // Give back what the tests took away, so that everything can be removed.
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true }))
    if (entry.isDirectory()) chmodSync(path.join(entry.parentPath, entry.name), 0o755);
  rmSync(base, { recursive: true, force: true });
});

/** A directory of the user's own (or, as root, one root owns and lets everyone into). */
function workDir(name: string, files: Record<string, string> = {}): string {
  const dir = path.join(base, name);
  mkdirSync(dir, { mode: 0o777 });
  chmodSync(dir, 0o777);
  for (const [file, text] of Object.entries(files))
    writeFileSync(path.join(dir, file), text, { mode: 0o666 });
  return dir;
}

function secrets(args: string[], cwd: string, stdin = ""): Promise<CliResult> {
  return runCli(args, {
    bin: cli,
    cwd,
    env: { HOME: home, SECRET_PROVIDER: "env" },
    stdin,
    user: unprivileged,
  });
}

/** Every file of `dir` with its bytes and mode: what a failed command must leave as it was. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    out[name] = `${(statSync(file).mode & 0o7777).toString(8)} ${readFileSync(file, "latin1")}`;
  }
  return out;
}

describe("files the user may not read or write", () => {
  it("an unreadable .env: get and list say so in one line and exit 1; health reports it unhealthy", async () => {
    const dir = workDir("unreadable-env", { ".env": `SECRET_KEY=${CANARY}\n` });
    chmodSync(path.join(dir, ".env"), 0o000);
    const file = path.join(dir, ".env");
    for (const args of [["get", "SECRET_KEY"], ["list"]]) {
      const run = await secrets(args, dir);
      expect(run.stdout, args.join(" ")).toBe("");
      expect(run.stderr, args.join(" ")).toBe(`Error: Cannot read ${file}: permission denied\n`);
      expect(run.code, args.join(" ")).toBe(1);
    }
    const health = await secrets(["health"], dir);
    expect(health.stderr).toBe("");
    expect(health.stdout).toMatch(/^SECRET_KEY +yes +error +-$/m);
    expect(health.stdout).toContain(`Provider: env failed: Cannot read ${file}: permission denied\n`);
    expect(health.stdout).toMatch(/^Status: unhealthy \(provider failed, 11 secrets could not be read\)$/m);
    expect(health.code).toBe(1);
  });

  it("a .env in a directory the user may not write: set and init write nothing and say why", async () => {
    const dir = workDir("read-only-dir", { ".env": "SECRET_KEY=kept\n" });
    chmodSync(dir, 0o555);
    const before = snapshot(dir);
    const file = path.join(dir, ".env");

    const set = await secrets(["set", "NEW_NAME"], dir, CANARY);
    expect(set.stderr).toBe(`Error: Cannot lock ${file}: permission denied\n`);
    expect(set.code).toBe(1);

    const init = await secrets(["init"], dir);
    expect(init.code).toBe(1);
    // One cause fails every write: each secret's line gives its code, and the reason is said once.
    expect(init.stdout).toMatch(/^JWT_SECRET_KEY +failed \(ACCESS_DENIED\)$/m);
    expect(init.stdout).toMatch(
      new RegExp(`^8 secrets failed: Cannot lock ${file}: permission denied$`, "m"),
    );
    expect(init.stdout.split("Cannot lock")).toHaveLength(2);
    expect(init.stderr).not.toMatch(/\n\s+at /);

    for (const run of [set, init]) expect(`${run.stdout}${run.stderr}`).not.toContain(CANARY);
    expect(snapshot(dir)).toEqual(before);
  });

  it("an unreadable manifest: health names it and exits 2", async () => {
    const dir = workDir("unreadable-manifest", {
      "secrets.yaml": "version: 1\nsecrets:\n  API_TOKEN: { required: true }\n",
    });
    chmodSync(path.join(dir, "secrets.yaml"), 0o000);
    const run = await secrets(["health"], dir);
    expect(run.stderr).toBe(
      `Error: Secrets manifest ${path.join(dir, "secrets.yaml")} (from the project directory) cannot be read: permission denied\n`,
    );
    expect(run.code).toBe(2);
  });

  it("an unreadable --from-file: set names it, exits 2 and writes nothing", async () => {
    const dir = workDir("unreadable-value", { value: CANARY });
    chmodSync(path.join(dir, "value"), 0o000);
    const run = await secrets(["set", "API_TOKEN", "--from-file", "value"], dir);
    expect(run.stderr).toBe(
      "Error: Cannot read --from-file value: permission denied (run 'secrets set --help' for usage)\n",
    );
    expect(run.code).toBe(2);
    expect(readdirSync(dir)).toEqual(["value"]);
  });
});
