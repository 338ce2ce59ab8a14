import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
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
import { runWithClosedStdout } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bundle = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const { version } = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../packages/cli/package.json", import.meta.url)), "utf8"),
);

let dir: string;

/** The bundle alone in an empty directory, run with a minimal environment: no node_modules anywhere near it. */
function secrets(args: string[], env: Record<string, string> = {}, cwd = dir) {
  const result = spawnSync(process.execPath, ["secrets.cjs", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  expect(existsSync(bundle), "build apps/cli first").toBe(true);
  dir = mkdtempSync(path.join(tmpdir(), "secrets-bundle-"));
  copyFileSync(bundle, path.join(dir, "secrets.cjs"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the bundled CLI, alone in an empty directory", () => {
  it("is one self-contained file with a shebang", () => {
    expect(readdirSync(dir)).toEqual(["secrets.cjs"]);
    expect(readFileSync(bundle, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(statSync(bundle).mode & 0o111).not.toBe(0);
  });

  it("prints its version and help", () => {
    expect(secrets(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    const help = secrets(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("secrets init");
    expect(secrets(["export"]).stderr).toBe(
      "Error: Missing required argument: format (run 'secrets export --help' for usage)\n",
    );
  });

  it("initializes the built-in manifest into .env (mode 0600)", () => {
    const result = secrets(["init"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SECRET_KEY\s+created$/m);
    expect(result.stdout).toMatch(/^DATABASE_URL\s+set to the development default$/m);
    expect(statSync(path.join(dir, ".env")).mode & 0o777).toBe(0o600);
  });

  it("reports health: degraded (optional secrets missing) exits 0, or 3 with --strict", () => {
    const result = secrets(["health"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Status: degraded/m);
    expect(secrets(["health", "--strict"]).code).toBe(3);
    const json = JSON.parse(secrets(["health", "--json"]).stdout);
    expect(json.provider).toMatchObject({ name: "env", ok: true });
  });

  it("gets a generated value exactly, without a newline", () => {
    const result = secrets(["get", "SECRET_KEY"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads a project's secrets.yaml, rotates, exports and deletes with what it carries", () => {
    const project = mkdtempSync(path.join(dir, "project-"));
    copyFileSync(path.join(dir, "secrets.cjs"), path.join(project, "secrets.cjs"));
    writeFileSync(
      path.join(project, "secrets.yaml"),
      "version: 1\nsecrets:\n  API_TOKEN: { generate: { kind: base64url, length: 43 }, rotation: 30d }\n",
    );
    const inProject = (args: string[]) => secrets(args, {}, project);
    expect(inProject(["init"]).stdout).toMatch(/^API_TOKEN\s+created$/m);
    const before = inProject(["get", "API_TOKEN"]).stdout;
    expect(before).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rotated = inProject(["rotate"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = inProject(["get", "API_TOKEN"]).stdout;
    expect(after).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(after).not.toBe(before);
    expect(JSON.parse(inProject(["export", "--format", "json"]).stdout)).toEqual({ API_TOKEN: after });
    expect(inProject(["delete", "API_TOKEN", "--yes"]).code).toBe(0);
    expect(inProject(["health"]).code).toBe(1);
  });

  it("carries the vault and aws providers: without their settings it says what is missing", () => {
    const vault = secrets(["health"], { SECRET_PROVIDER: "vault" });
    expect(vault.code).toBe(2);
    expect(vault.stderr).toMatch(/^Error: Secret provider 'vault' not configured: .*VAULT_URL.*\n$/);
    const aws = secrets(["health"], {
      SECRET_PROVIDER: "aws",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
    expect(aws.code).toBe(2);
    expect(aws.stderr).toMatch(/^Error: Secret provider 'aws' not configured: .*AWS_REGION.*\n$/);
  });

  it("names the package to install for a provider it does not bundle", () => {
    const result = secrets(["health"], { SECRET_PROVIDER: "@acme/secrets-provider-nope" });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "Error: Secret provider '@acme/secrets-provider-nope' is not installed: run npm install @acme/secrets-provider-nope\n",
    );
  });
});

describe("the bundled CLI writing to a reader that went away", () => {
  /** The bundle with its stdout closed before it writes anything, or (`afterFirstChunk`) once it has begun. */
  const closed = (args: string[], cwd = dir, afterFirstChunk = false) =>
    runWithClosedStdout(process.execPath, [path.join(dir, "secrets.cjs"), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: dir },
      afterFirstChunk,
    });

  it("ends quietly with 141 (as if killed by SIGPIPE), no stack trace, on every output command", async () => {
    expect(secrets(["init"]).code).toBe(0);
    for (const args of [
      ["health"],
      ["health", "--json"],
      ["export", "--format", "env"],
      ["list", "--json"],
    ]) {
      const result = await closed(args);
      expect(result.code, args.join(" ")).toBe(141);
      expect(result.stderr, args.join(" ")).not.toMatch(/EPIPE|Error|\n\s+at /);
    }
  });

  it("the same when the reader goes away in the middle of a long export (`| head -c 1`)", async () => {
    const project = mkdtempSync(path.join(dir, "long-"));
    const lines = Array.from({ length: 20_000 }, (_, i) => `K${i}=${"x".repeat(100)}`);
    writeFileSync(path.join(project, ".env"), `${lines.join("\n")}\n`, { mode: 0o600 });
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await closed(["export", "--all", "--allow-missing", "--format", "env"], project, true);
      expect(result.code, result.stderr).toBe(141);
      expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
    }
  });
});
