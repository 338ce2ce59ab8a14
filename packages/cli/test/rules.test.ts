import { InvalidSecretNameError, SecretConfigError } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import type { CommandName, ParsedArgs } from "../src/options.js";
import { checkArguments, SET_VALUE_REFUSED } from "../src/rules.js";
import { firstCommandToken, isVersionRequest } from "../src/tokens.js";
import { UsageError } from "../src/usage-error.js";

const args = (values: Record<string, unknown>): ParsedArgs => ({ _: [], ...values });

function check(command: CommandName, values: Record<string, unknown>): unknown {
  try {
    checkArguments(command, args(values));
    return undefined;
  } catch (error) {
    return error;
  }
}

describe("checkArguments", () => {
  it("accepts ordinary arguments", () => {
    expect(check("get", { name: "DATABASE_URL" })).toBeUndefined();
    expect(check("get", { name: "A", version: "previous" })).toBeUndefined();
    expect(check("set", { name: "A", fromFile: "x", "from-file": "x" })).toBeUndefined();
    expect(check("export", { format: "yaml", output: "out.yaml" })).toBeUndefined();
    expect(check("rotate", { names: ["A", "B_2"] })).toBeUndefined();
    expect(check("rotate", {})).toBeUndefined();
    expect(check("init", { force: true, dryRun: true })).toBeUndefined();
  });

  it("refuses a value on the command line for set, explaining why", () => {
    const error = check("set", { name: "A", _: ["set", "hunter2"] });
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(SET_VALUE_REFUSED);
    expect((error as Error).message).toMatch(/shell history/);
    expect((error as Error).message).toMatch(/process list/);
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("refuses an unknown export format, naming the valid ones", () => {
    const error = check("export", { format: "toml" });
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as Error).message).toContain("env, json, yaml, shell");
  });

  it("refuses an invalid secret name before anything is loaded", () => {
    for (const command of ["get", "set", "delete", "restore"] as const)
      expect(check(command, { name: "not-valid" })).toBeInstanceOf(InvalidSecretNameError);
    expect(check("rotate", { names: ["GOOD", "1BAD"] })).toBeInstanceOf(InvalidSecretNameError);
  });

  it("refuses a string option given twice", () => {
    const error = check("export", { format: ["env", "json"] });
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe("--format was given more than once");
    expect(check("get", { name: "A", provider: ["env", "vault"] })).toBeInstanceOf(UsageError);
  });

  it("refuses empty option values", () => {
    expect((check("export", { format: "env", output: "" }) as Error).message).toBe(
      "--output cannot be empty",
    );
    expect((check("list", { "dotenv-file": " " }) as Error).message).toBe("--dotenv-file cannot be empty");
    expect((check("get", { name: "A", version: "" }) as Error).message).toBe("--version cannot be empty");
  });

  it("points usage errors at the command's help", () => {
    expect((check("set", { name: "A", _: ["set", "x"] }) as UsageError).hint).toBe(
      "run 'secrets set --help' for usage",
    );
  });
});

describe("isVersionRequest", () => {
  it.each([
    [["--version"], true],
    [["-V"], true],
    [["--json", "--version"], true],
    [["--provider", "env", "-V"], true],
    [["--dotenv-file", "x.env", "--version"], true],
    [["get", "A", "--version", "previous"], false],
    [["--provider", "--version"], false],
    [["--", "--version"], false],
    [[], false],
    [["--help"], false],
  ])("%j → %s", (argv, expected) => {
    expect(isVersionRequest(argv)).toBe(expected);
  });
});

describe("firstCommandToken", () => {
  it.each([
    [["get", "A"], "get"],
    [["--provider", "env", "list"], "list"],
    [["--json", "health"], "health"],
    [["--dotenv-file", "list", "get"], "get"],
    [["--", "get"], "get"],
    [["--json"], undefined],
  ])("%j → %s", (argv, expected) => {
    expect(firstCommandToken(argv)).toBe(expected);
  });
});
