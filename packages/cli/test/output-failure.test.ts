import { spawnSync } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { canaryValue, findLeaks } from "@org/secrets-test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isClosedReader, outputFailureLine, outputFailureMessage } from "../src/output-failure.js";
import { tempDir } from "./helpers.js";

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const esmBin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const STACK = /^\s+at .+[:(]/m;
const ENOSPC_LINE = "Error: cannot write the output: no space left on the device (ENOSPC)\n";
/** A device every write to fails with ENOSPC (Linux). */
const FULL = "/dev/full";

let dir: string;
let remove: () => void;
const canary = canaryValue("FULL");
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-output-failure-"));
  writeFileSync(path(".env"), `A=${canary}\nB=second\n`, { mode: 0o600 });
  writeFileSync(path("secrets.yaml"), "version: 1\nsecrets:\n  A: {}\n  B: {}\n");
});
afterEach(() => remove());

function path(name: string): string {
  return `${dir}/${name}`;
}

/** The built CLI with its stdout opened on `device`, as `secrets ARGS > device` runs it. */
function secretsOnto(device: string, args: string[], env: Record<string, string> = {}, script = bin) {
  const fd = openSync(device, "w");
  try {
    const result = spawnSync(process.execPath, [script, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
      stdio: ["ignore", fd, "pipe"],
      encoding: "utf8",
    });
    return { code: result.status, stderr: result.stderr };
  } finally {
    closeSync(fd);
  }
}

describe("stdout that cannot be written (> /dev/full)", () => {
  it.each([
    ["get", ["get", "A"]],
    ["get --json", ["get", "A", "--json"]],
    ["export", ["export", "--format", "env"]],
    ["export --all", ["export", "--format", "json", "--all"]],
    ["list", ["list"]],
    ["list --json", ["list", "--json"]],
    ["health", ["health"]],
  ])("%s: one line naming the reason, exit 1, no value and no stack", (_label, args) => {
    const result = secretsOnto(FULL, args);
    expect(result.stderr).toBe(ENOSPC_LINE);
    expect(result.code).toBe(1);
    expect(findLeaks({ stderr: result.stderr }, { canary })).toEqual([]);
  });

  it("the same from the ES module entry, which writes through Node's streams", () => {
    for (const args of [["get", "A"], ["export", "--format", "env"], ["list"]]) {
      const result = secretsOnto(FULL, args, {}, esmBin);
      expect(result.stderr, args.join(" ")).toBe(ENOSPC_LINE);
      expect(result.code, args.join(" ")).toBe(1);
    }
  });

  it("--version too, without loading the CLI", () => {
    expect(secretsOnto(FULL, ["--version"])).toEqual({ code: 1, stderr: ENOSPC_LINE });
  });

  it("a command that failed keeps its own exit code, and says both", () => {
    // --json writes the failure on stdout too.
    const result = secretsOnto(FULL, ["get", "MISSING", "--json"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(`Error: Secret 'MISSING' not found\n${ENOSPC_LINE}`);
  });

  it("LOG_FORMAT=json: one JSON line", () => {
    const result = secretsOnto(FULL, ["get", "A"], { LOG_FORMAT: "json" });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: "error",
      msg: "cannot write the output: no space left on the device (ENOSPC)",
      code: "OUTPUT_FAILED",
    });
  });

  it("LOG_LEVEL=debug adds no stack and no value", () => {
    const result = secretsOnto(FULL, ["export", "--format", "env"], { LOG_LEVEL: "debug" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(ENOSPC_LINE);
    expect(result.stderr).not.toMatch(STACK);
    expect(findLeaks({ stderr: result.stderr }, { canary })).toEqual([]);
  });

  it("the null device takes everything: exit 0, nothing said", () => {
    expect(secretsOnto("/dev/null", ["export", "--format", "env"])).toEqual({ code: 0, stderr: "" });
  });
});

describe("outputFailureMessage", () => {
  const failure = (code: unknown) => Object.assign(new Error("write failed at /some/path"), { code });

  it("names the reason and the code, never the error's own message", () => {
    expect(outputFailureMessage(failure("ENOSPC"))).toBe(
      "cannot write the output: no space left on the device (ENOSPC)",
    );
    expect(outputFailureMessage(failure("EIO"))).toBe("cannot write the output: an input/output error (EIO)");
    expect(outputFailureMessage(failure("EWHATEVER"))).toBe(
      "cannot write the output: the write failed (EWHATEVER)",
    );
    expect(outputFailureMessage(failure("not a code\n"))).toBe("cannot write the output: the write failed");
    expect(outputFailureMessage(new Error("x"))).toBe("cannot write the output: the write failed");
  });

  it("a reader that went away is not a failure to report", () => {
    expect(isClosedReader(failure("EPIPE"))).toBe(true);
    expect(isClosedReader(failure("ERR_STREAM_DESTROYED"))).toBe(true);
    expect(isClosedReader(failure("ENOSPC"))).toBe(false);
    expect(isClosedReader(undefined)).toBe(false);
  });

  it("prints as the CLI prints errors", () => {
    expect(outputFailureLine(failure("ENOSPC"), { json: false, color: false })).toBe(ENOSPC_LINE);
    expect(outputFailureLine(failure("ENOSPC"), { json: false, color: true })).toBe(
      `\u001b[31mError:\u001b[39m ${ENOSPC_LINE.slice("Error: ".length)}`,
    );
  });
});
