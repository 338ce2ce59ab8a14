import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runWithClosedStdout } from "@org/secrets-test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

/** The built binary against the real env provider, or a third-party-style provider module. */
const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const STACK = /^\s+at .+[:(]/m;

let dir: string;
let remove: () => void;
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-hardening-"));
});
afterEach(() => remove());

function secrets(args: string[], options: { env?: Record<string, string>; input?: string | Buffer } = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...options.env },
    input: options.input ?? "",
    encoding: "utf8",
  });
  if (options.env?.LOG_LEVEL !== "debug") expect(result.stderr).not.toMatch(STACK);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Spawn with a shell pipeline: `secrets ...` fed from (or into) another command. */
function shell(script: string) {
  const result = spawnSync("sh", ["-c", script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, SECRETS: `${process.execPath} ${bin}` },
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const envFile = () => readFileSync(path.join(dir, ".env"), "utf8");

describe("set refuses every way around its input rules, storing nothing", () => {
  beforeEach(() => {
    expect(secrets(["set", "API_TOKEN"], { input: "previous" }).code).toBe(0);
  });
  const intact = () => expect(envFile()).toMatch(/^API_TOKEN=previous$/m);

  it.each([
    ["a positional value", ["set", "API_TOKEN", "hunter2"]],
    ["a value after --", ["set", "API_TOKEN", "--", "hunter2"]],
    ["two values", ["set", "API_TOKEN", "hunter2", "again"]],
  ])("%s: exit 2, one line, the value not echoed", (_label, args) => {
    const result = secrets(args, { input: "from-stdin" });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/does not take the value as an argument/);
    expect(result.stderr).not.toContain("hunter2");
    intact();
  });

  it("empty stdin: exit 2 unless --allow-empty", () => {
    const refused = secrets(["set", "API_TOKEN"], { input: "" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^Error: stdin is empty: API_TOKEN was not changed \(pass --allow-empty/);
    intact();
    expect(secrets(["set", "API_TOKEN", "--allow-empty"], { input: "" }).code).toBe(0);
    expect(envFile()).toMatch(/^API_TOKEN=(""|'')?$/m);
  });

  it("stdin one byte over 1 MiB: exit 2, value exceeds 1048576 bytes", () => {
    const result = secrets(["set", "API_TOKEN"], { input: Buffer.alloc(1024 * 1024 + 1, 0x61) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/exceeds 1048576 bytes/);
    intact();
  });

  it("an endless pipe and /dev/zero end at once with the size error", () => {
    const pipe = shell('yes | $SECRETS set API_TOKEN; echo "rc=$?"');
    expect(pipe.stdout).toContain("rc=2");
    expect(pipe.stderr).toMatch(/the value from stdin exceeds 1048576 bytes/);
    expect(pipe.stderr).not.toMatch(STACK);
    const zero = shell('$SECRETS set API_TOKEN < /dev/zero; echo "rc=$?"');
    expect(zero.stdout).toContain("rc=2");
    const file = secrets(["set", "API_TOKEN", "--from-file", "/dev/zero"]);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(
      /Cannot read --from-file \/dev\/zero: it is a character device, not a regular file/,
    );
    intact();
  });

  it("--from-file of a directory, a FIFO, a missing or an empty file: exit 2", () => {
    expect(secrets(["set", "API_TOKEN", "--from-file", "."]).stderr).toMatch(/it is a directory/);
    spawnSync("mkfifo", [path.join(dir, "fifo")]);
    const fifo = secrets(["set", "API_TOKEN", "--from-file", "fifo"]);
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toMatch(/Cannot read --from-file fifo: it is a named pipe, not a regular file/);
    expect(secrets(["set", "API_TOKEN", "--from-file", "nope"]).code).toBe(2);
    writeFileSync(path.join(dir, "empty"), "");
    expect(secrets(["set", "API_TOKEN", "--from-file", "empty"]).code).toBe(2);
    writeFileSync(path.join(dir, "big"), Buffer.alloc(1024 * 1024 + 1, 0x61));
    expect(secrets(["set", "API_TOKEN", "--from-file", "big"]).stderr).toMatch(/exceeds 1048576 bytes/);
    intact();
  });

  it("help advertises no value positional", () => {
    const help = secrets(["set", "--help"]).stdout;
    expect(help.split("\n")[0]).toBe("secrets set <name>");
    expect(help).not.toMatch(/\[value\]|\[rest/);
    expect(help).toContain("--allow-empty");
  });
});

/** A third-party-style provider: reads of BROKEN fail, with a backend-looking body in the message of a foreign error. */
const PROVIDER = `
const store = new Map(Object.entries(JSON.parse(process.env.SEED ?? "{}")));
const calls = { getMany: 0, get: 0, set: [] };
function fail(name) {
  if (name === "BROKEN") {
    const error = new Error("backend said: <html>s3cr3t-body</html>");
    error.code = "ACCESS_DENIED";
    throw error;
  }
}
export function createProvider() {
  return {
    name: "flaky",
    async get(name) { calls.get++; fail(name); return store.has(name) ? { value: store.get(name) } : undefined; },
    async getMany(names) { calls.getMany++; for (const n of names) fail(n); const m = new Map(); for (const n of names) if (store.has(n)) m.set(n, { value: store.get(n) }); return m; },
    async set(name, value) { fail(name); store.set(name, value); calls.set.push(name); return {}; },
    async delete(name) { return store.delete(name); },
    async check() {},
    async close() { process.stderr.write("CALLS " + JSON.stringify(calls) + "\\n"); },
  };
}
`;

describe("one unreadable secret does not hide the others", () => {
  const MANIFEST =
    "version: 1\nsecrets:\n  ALPHA: { generate: hex }\n  BROKEN: { generate: hex }\n  GAMMA: { generate: hex }\n";
  const run = (args: string[], seed: Record<string, string> = {}) => {
    writeFileSync(path.join(dir, "flaky.mjs"), PROVIDER);
    writeFileSync(path.join(dir, "secrets.yaml"), MANIFEST);
    const result = secrets(args, { env: { SECRET_PROVIDER: "./flaky.mjs", SEED: JSON.stringify(seed) } });
    const callsLine = result.stderr.split("\n").find((l) => l.startsWith("CALLS ")) ?? "CALLS {}";
    // Scrubbing the foreign error's text is core's (wrapError); here: one line per failure, with its code.
    return { ...result, calls: JSON.parse(callsLine.slice(6)) as { set?: string[]; get?: number } };
  };

  it("init creates the others (exit 1), human and --json", () => {
    const human = run(["init"]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^ALPHA\s+created$/m);
    expect(human.stdout).toMatch(/^BROKEN\s+failed \(PROVIDER_ERROR\): /m);
    expect(human.calls.set).toEqual(expect.arrayContaining(["ALPHA", "GAMMA"]));
    expect(human.calls.set).toHaveLength(2);
    const json = run(["init", "--json"]);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout);
    expect(result.ok).toBe(false);
    expect(result.secrets.map((s: { name: string; action: string }) => `${s.name}:${s.action}`)).toEqual([
      "ALPHA:created",
      "BROKEN:failed",
      "GAMMA:created",
    ]);
    expect(result.secrets[1].code).toBe("PROVIDER_ERROR");
  });

  it("rotate rotates the others (exit 1)", () => {
    const json = run(["rotate", "--json"], { ALPHA: "a", BROKEN: "b", GAMMA: "c" });
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout);
    expect(result.secrets.map((s: { action: string }) => s.action)).toEqual(["rotated", "failed", "rotated"]);
    expect(json.calls.set).toEqual(["ALPHA", "GAMMA"].filter((n) => json.calls.set?.includes(n)));
    expect(json.calls.set).toHaveLength(2);
    const human = run(["rotate"], { ALPHA: "a", BROKEN: "b", GAMMA: "c" });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^BROKEN\s+failed \(PROVIDER_ERROR\)/m);
  });

  it("health reports the secret as an error with its code (exit 1)", () => {
    const json = run(["health", "--json"], { ALPHA: "a", BROKEN: "b", GAMMA: "c" });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.provider.ok).toBe(true);
    expect(report.secrets[1]).toMatchObject({ name: "BROKEN", status: "error", code: "PROVIDER_ERROR" });
    expect(report.summary.ok).toBe(2);
    const human = run(["health"], { ALPHA: "a", BROKEN: "b", GAMMA: "c" });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^BROKEN: error \(PROVIDER_ERROR\)/m);
  });

  it("export writes nothing and names the secret (exit 1) unless --skip-unreadable", () => {
    const seed = { ALPHA: "a", BROKEN: "b", GAMMA: "c" };
    const refused = run(["export", "--format", "env", "--output", "out.env"], seed);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /Export refused: 1 secret could not be read: BROKEN \(PROVIDER_ERROR\); nothing was written/,
    );
    expect(() => readFileSync(path.join(dir, "out.env"))).toThrow();
    const toStdout = run(["export", "--format", "env"], seed);
    expect(toStdout.code).toBe(1);
    expect(toStdout.stdout).toBe("");
    const skipped = run(["export", "--format", "json", "--skip-unreadable"], seed);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toEqual({ ALPHA: "a", GAMMA: "c" });
    expect(skipped.stderr).toMatch(/Warning: not exported \(could not be read\): BROKEN/);
  });
});

describe("--json and LOG_FORMAT=json on failure", () => {
  it("health --json with a misconfigured provider prints one unhealthy document", () => {
    const result = secrets(["health", "--json", "--provider", "no-such-provider"]);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe("unhealthy");
    expect(report.provider.error.code).toBe("PROVIDER_NOT_INSTALLED");
  });

  it("health --json when the provider cannot work: unhealthy with the code", () => {
    const result = secrets(["health", "--json"], {
      env: { SECRET_ENV_FILE: path.join(dir, "missing", ".env") },
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe("unhealthy");
    expect(report.provider.error.code).toBe("PROVIDER_UNAVAILABLE");
  });

  it("any command's failure with --json is one JSON document on stdout", () => {
    const result = secrets(["get", "NOPE", "--json"]);
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { code: "SECRET_NOT_FOUND", message: "Secret 'NOPE' not found" },
    });
  });

  it("LOG_FORMAT=json: the error is one JSON line; the stack only at debug, as a field", () => {
    const result = secrets(["get", "NOPE"], { env: { LOG_FORMAT: "json" } });
    expect(result.code).toBe(4);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string);
    expect(line).toMatchObject({ level: "error", msg: "Secret 'NOPE' not found", code: "SECRET_NOT_FOUND" });
    expect(typeof line.time).toBe("string");
    expect(line.stack).toBeUndefined();
    const debug = secrets(["get", "NOPE"], { env: { LOG_FORMAT: "json", LOG_LEVEL: "debug" } });
    const last = JSON.parse(debug.stderr.trim().split("\n").at(-1) as string);
    expect(last.stack).toMatch(/SecretNotFoundError/);
  });

  it("a provider's foreign error is one line with exit 1 (its text is scrubbed by core)", () => {
    writeFileSync(
      path.join(dir, "boom.mjs"),
      'export function createProvider() { return { name: "boom", async get() { throw new TypeError("body: s3cr3t-token"); }, async set() {}, async delete() { return false; }, async check() {} }; }',
    );
    const result = secrets(["get", "A"], { env: { SECRET_PROVIDER: "./boom.mjs" } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^Error: Secret provider 'boom' failed to get 'A'/);
  });

  it("an extra positional is not echoed back", () => {
    const result = secrets(["get", "A", "s3cr3t-value"]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain("s3cr3t-value");
  });
});

describe("a reader that goes away", () => {
  const closed = (args: string[]) =>
    runWithClosedStdout(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir },
    });

  it("health, health --json and export end quietly with 141, no stack trace", async () => {
    expect(secrets(["init"]).code).toBe(0);
    for (const args of [["health"], ["health", "--json"], ["export", "--format", "env"]]) {
      const result = await closed(args);
      expect(result.code).toBe(141);
      expect(result.stderr).not.toMatch(STACK);
      expect(result.stderr).not.toMatch(/EPIPE|Error:/);
    }
  });

  it("secrets health | head -1 prints one line, and nothing on stderr but the health warning", () => {
    expect(secrets(["init"]).code).toBe(0);
    const result = shell("$SECRETS health | head -1");
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK);
  });
});
