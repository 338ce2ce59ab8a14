import { describe, expect, it } from "vitest";
import { closest } from "../src/suggest.js";
import { memoryProvider, runCli } from "./helpers.js";

describe("command-line habits", () => {
  it("bare `secrets` prints the usage on stderr and exits 2", async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^secrets <command> \[options\]/);
    expect(result.stderr).toContain("secrets run");
    expect(result.stderr).toContain("secrets copy");
  });

  it("suggests the nearest command for a typo, and none for a word far from all", () => {
    expect(closest("helth", ["health", "init"])).toBe("health");
    expect(closest("cpoy", ["copy", "run"])).toBe("copy");
    expect(closest("RUN", ["copy", "run"])).toBe("run");
    expect(closest("frobnicate", ["health", "init", "export"])).toBeUndefined();
    expect(closest("x", ["get", "set"])).toBeUndefined();
  });

  it("colour: FORCE_COLOR forces it off a terminal, FORCE_COLOR=0 and NO_COLOR turn it off", async () => {
    const provider = () => memoryProvider({ DATABASE_URL: "d" });
    const red = "\u001b[31m";
    const forced = await runCli(["get", "NOPE"], { env: { FORCE_COLOR: "1" }, provider: provider() });
    expect(forced.stderr.startsWith(`${red}Error:`)).toBe(true);
    const plain = await runCli(["get", "NOPE"], { provider: provider() });
    expect(plain.stderr.startsWith("Error:")).toBe(true);
    for (const env of [{ NO_COLOR: "1" }, { FORCE_COLOR: "0" }]) {
      const off = await runCli(["health", "--provider", "memory"], {
        env,
        stdoutIsTTY: true,
        provider: provider(),
      });
      expect(off.stdout).not.toContain("\u001b[");
    }
    const on = await runCli(["health", "--provider", "memory"], { stdoutIsTTY: true, provider: provider() });
    expect(on.stdout).toContain("\u001b[");
  });
});
