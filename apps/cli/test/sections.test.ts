import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * Which parts of the bundle a run compiles, from V8's own record of every
 * script (NODE_V8_COVERAGE): the main script, plus `secrets.cjs#NAME` for
 * each section it had to unpack. Counts, not milliseconds.
 */

const bundle = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
let dir: string;

beforeAll(() => {
  expect(existsSync(bundle), "build apps/cli first").toBe(true);
  dir = mkdtempSync(path.join(tmpdir(), "secrets-sections-"));
  copyFileSync(bundle, path.join(dir, "secrets.cjs"));
  expect(secrets(["init"]).code).toBe(0);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function secrets(args: string[], env: Record<string, string> = {}) {
  const coverage = mkdtempSync(path.join(tmpdir(), "secrets-coverage-"));
  try {
    const result = spawnSync(process.execPath, ["secrets.cjs", ...args], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...env,
        NODE_V8_COVERAGE: coverage,
      },
      encoding: "utf8",
    });
    const scripts: string[] = [];
    for (const name of readdirSync(coverage))
      for (const script of JSON.parse(readFileSync(path.join(coverage, name), "utf8")).result as {
        url: string;
      }[])
        if (script.url.includes("secrets.cjs"))
          scripts.push(decodeURIComponent(script.url).replace(/^.*secrets\.cjs/, "secrets.cjs"));
    return { code: result.status, stderr: result.stderr, scripts: scripts.sort() };
  } finally {
    rmSync(coverage, { recursive: true, force: true });
  }
}

describe("the bundle's sections", () => {
  it("--version, get and health on the env provider compile the main script alone", () => {
    for (const args of [["--version"], ["get", "SECRET_KEY"], ["health"], ["list", "--json"]]) {
      const run = secrets(args);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
      expect(run.scripts, args.join(" ")).toEqual(["secrets.cjs"]);
    }
  });

  it("help and a usage error unpack the full parser, and nothing else", () => {
    expect(secrets(["--help"]).scripts).toEqual(["secrets.cjs", "secrets.cjs#yargs"]);
    const bad = secrets(["get"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      "Error: Missing argument: usage is secrets get <name> (run 'secrets get --help' for usage)\n",
    );
    expect(bad.scripts).toEqual(["secrets.cjs", "secrets.cjs#yargs"]);
  });

  it("each provider unpacks its own section only", () => {
    const vault = secrets(["health"], { SECRET_PROVIDER: "vault" });
    expect(vault.code).toBe(2);
    expect(vault.stderr).toMatch(/^Error: Secret provider 'vault' not configured: /);
    expect(vault.scripts).toEqual(["secrets.cjs", "secrets.cjs#vault"]);
    const aws = secrets(["health"], { SECRET_PROVIDER: "aws" });
    expect(aws.code).toBe(2);
    expect(aws.stderr).toMatch(/^Error: Secret provider 'aws' not configured: /);
    expect(aws.scripts).toEqual(["secrets.cjs", "secrets.cjs#aws"]);
  });

  it("a provider's section runs: it loads what it imports on demand and reaches for its backend", () => {
    // Nothing listens on port 1: the provider loads, connects, and fails as unavailable (exit 1),
    // not as a provider that could not be loaded (exit 2).
    const vault = secrets(["get", "A"], {
      SECRET_PROVIDER: "vault",
      VAULT_URL: "http://127.0.0.1:1",
      VAULT_TOKEN: "t",
      SECRET_TIMEOUT: "5",
    });
    expect(vault.stderr).not.toMatch(/not a valid provider|Warning/);
    expect(vault.code, vault.stderr).toBe(1);
    const aws = secrets(["get", "A"], {
      SECRET_PROVIDER: "aws",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "k",
      AWS_SECRET_ACCESS_KEY: "s",
      AWS_ENDPOINT_URL: "http://127.0.0.1:1",
      AWS_MAX_ATTEMPTS: "1",
      SECRET_TIMEOUT: "5",
    });
    expect(aws.stderr).not.toMatch(/not a valid provider|Warning/);
    expect(aws.code, aws.stderr).toBe(1);
  });

  it("a project manifest unpacks the YAML parser", () => {
    const manifest = path.join(mkdtempSync(path.join(dir, "project-")), "secrets.yaml");
    writeFileSync(manifest, "version: 1\nsecrets:\n  SECRET_KEY: { generate: { kind: hex, length: 64 } }\n");
    const run = secrets(["health", "--manifest", manifest]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.scripts).toEqual(["secrets.cjs", "secrets.cjs#yaml"]);
  });
});
