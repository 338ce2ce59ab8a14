import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { canaryValue, findLeaks, largeCanary, runCli } from "@org/secrets-test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runChild } from "../src/child.js";
import { resolveIO } from "../src/io.js";
import { tempDir } from "./helpers.js";

/**
 * `secrets run` when the environment cannot be passed: a value with a NUL byte,
 * or more than the OS takes. The built binary, against the env provider.
 */
const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const node = process.execPath;
const STACK = /^\s+at .+[:(]/m;

let dir: string;
let remove: () => void;
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-run-env-"));
  writeFileSync(path.join(dir, "secrets.yaml"), "version: 1\nsecrets:\n  A: {}\n  B: { required: false }\n");
  writeFileSync(path.join(dir, "ran.cjs"), "require('node:fs').writeFileSync('ran', 'yes');\n");
});
afterEach(() => remove());

const secrets = (args: string[], options: { env?: Record<string, string>; stdin?: string | Buffer } = {}) =>
  runCli(args, {
    bin,
    cwd: dir,
    env: { HOME: dir, ...options.env },
    stdin: options.stdin ?? "",
    timeoutMs: 30_000,
  });

/** Stores A (and B) through the CLI, exactly as given. */
async function store(values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values))
    expect((await secrets(["set", name], { stdin: Buffer.from(value) })).code).toBe(0);
}

function expectNoLeak(result: { stdout: string; stderr: string }, canaries: Record<string, string>) {
  expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, canaries)).toEqual([]);
  expect(result.stderr).not.toContain("Received");
  expect(result.stderr).not.toContain("\\x00");
}

describe("secrets run with a value an environment variable cannot carry (NUL)", () => {
  const canary = canaryValue("NUL");
  const LINE =
    "Error: Secret 'A' holds a NUL byte, which an environment variable cannot carry: the command was not started\n";

  it("names the secret, never the value; exit 126; nothing started", async () => {
    await store({ A: `${canary}\0tail` });
    const result = await secrets(["run", "--", node, "ran.cjs"]);
    expect(result.code).toBe(126);
    expect(result.stderr).toBe(LINE);
    expect(result.stdout).toBe("");
    expectNoLeak(result, { canary });
    expect(existsSync(path.join(dir, "ran"))).toBe(false);
  });

  it.each(["debug", "info", "warn", "error"])(
    "LOG_LEVEL=%s: no value, no Node error text, no stack",
    async (level) => {
      await store({ A: `it's\0${canary}` });
      const result = await secrets(["run", "--", node, "ran.cjs"], { env: { LOG_LEVEL: level } });
      expect(result.code).toBe(126);
      expect(result.stderr).toContain(LINE);
      expect(result.stderr).not.toMatch(STACK);
      expectNoLeak(result, { canary });
    },
  );

  it("LOG_FORMAT=json: one JSON line with the code INVALID_VALUE", async () => {
    await store({ A: `${canary}\0` });
    const result = await secrets(["run", "--", node, "ran.cjs"], { env: { LOG_FORMAT: "json" } });
    expect(result.code).toBe(126);
    expect(JSON.parse(result.stderr)).toMatchObject({ level: "error", code: "INVALID_VALUE" });
    expectNoLeak(result, { canary });
  });

  it("two such secrets are both named", async () => {
    await store({ A: `${canary}\0`, B: `\0${canary}` });
    const result = await secrets(["run", "--", node, "ran.cjs"]);
    expect(result.code).toBe(126);
    expect(result.stderr).toBe(
      "Error: Secrets 'A' and 'B' hold a NUL byte, which an environment variable cannot carry: the command was not started\n",
    );
  });

  it("a secret the environment keeps (--no-override) is not passed, so the command starts", async () => {
    await store({ A: `${canary}\0` });
    const result = await secrets(["run", "--no-override", "--", node, "ran.cjs"], { env: { A: "from-env" } });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expectNoLeak(result, { canary });
  });
});

describe("secrets run with an environment too large for the OS (E2BIG)", () => {
  it("names the largest secret, never a value; exit 126; no Node error", async () => {
    // Over Linux's limit for one environment string (128 KiB).
    const large = largeCanary(200 * 1024);
    const small = canaryValue("SMALL");
    await store({ A: small, B: large });
    for (const level of ["error", "debug"]) {
      const result = await secrets(["run", "--", node, "ran.cjs"], { env: { LOG_LEVEL: level } });
      expect(result.code, level).toBe(126);
      expect(result.stderr, level).toContain(
        `Error: '${node}': cannot be executed: its environment is too large for the operating system (E2BIG); the largest secret in it is 'B' (pass fewer secrets with --only)\n`,
      );
      if (level === "error") expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).not.toMatch(STACK);
      expect(result.stderr).not.toContain("Unexpected failure");
      expectNoLeak(result, { large, small });
    }
    // Without it, the command starts.
    expect((await secrets(["run", "--only", "A", "--", node, "ran.cjs"])).code).toBe(0);
  });
});

describe("runChild, when Node refuses to start the command", () => {
  const io = () => ({
    ...resolveIO({ stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }),
    cwd: dir,
  });

  it("keeps only the error's code: a NUL in the environment", async () => {
    const outcome = await runChild(node, ["-e", "0"], { PATH: process.env.PATH ?? "", A: "hunter2\0" }, io());
    expect(outcome).toEqual({ kind: "not-started", reason: "failed", code: "ERR_INVALID_ARG_VALUE" });
    expect(JSON.stringify(outcome)).not.toContain("hunter2");
  });

  it("an environment too large: environment-too-large", async () => {
    const outcome = await runChild(node, ["-e", "0"], { A: "x".repeat(200 * 1024) }, io());
    expect(outcome).toEqual({ kind: "not-started", reason: "environment-too-large", code: "E2BIG" });
  });
});
