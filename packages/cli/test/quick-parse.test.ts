import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { EXIT } from "../src/exit-codes.js";
import type { CliIO } from "../src/io.js";
import type { ParsedArgs } from "../src/options.js";
import { parseWithYargs } from "../src/parser.js";
import { parseQuick } from "../src/quick-parse.js";

function io(): CliIO {
  return {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    env: {},
    cwd: process.cwd(),
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
}

/** What yargs hands the command for this command line, or the message it fails with. */
async function viaYargs(argv: string[]): Promise<{ command: string; args: ParsedArgs } | { error: string }> {
  let seen: { command: string; args: ParsedArgs } | undefined;
  try {
    await parseWithYargs(argv, io(), async (spec, args) => {
      seen = { command: spec.name, args };
      return EXIT.OK;
    });
  } catch (error) {
    return { error: (error as Error).message };
  }
  return seen ?? { error: "no command ran" };
}

/** Command lines the quick parser must take: the everyday ones. */
const ACCEPTED: string[][] = [
  ["get", "SECRET_KEY"],
  ["get", "SECRET_KEY", "--json"],
  ["get", "SECRET_KEY", "--version", "previous"],
  ["get", "SECRET_KEY", "--version=3"],
  ["get", "--version", "2", "SECRET_KEY"],
  ["--provider", "vault", "get", "DATABASE_URL"],
  ["--provider=aws", "get", "DATABASE_URL", "-q"],
  ["--dotenv-file", "prod.env", "get", "A"],
  ["get", "A", "--dotenv-file=./x=y.env", "--manifest", "m.yaml"],
  ["get", "true"],
  ["get", "null"],
  ["get", "A_1"],
  ["health"],
  ["health", "--strict", "--json"],
  ["--json", "health", "--quiet"],
  ["list"],
  ["list", "--json"],
  ["init", "--dry-run"],
  ["init", "--force"],
  ["rotate"],
  ["rotate", "A", "B", "--dry-run"],
  ["export", "--format", "env"],
  ["export", "--format=json", "-o", "out.json", "--all", "--skip-unreadable"],
  ["delete", "A", "--yes", "--permanent"],
  ["delete", "A", "-y"],
  ["set", "A", "--from-file", "key.pem"],
  ["set", "A", "--allow-empty"],
  ["restore", "A"],
  ["get", "--", "A"],
  ["get", "--json", "--", "A"],
  ["--provider", "env", "get", "--", "A"],
  ["rotate", "--", "A", "B"],
  ["rotate", "A", "--", "B"],
  ["rotate", "--dry-run", "--", "A"],
  ["delete", "--yes", "--", "A"],
  ["set", "--", "A"],
];

/** Command lines it must leave to yargs: help, completion, and every shape it does not handle exactly. */
const DECLINED: string[][] = [
  [],
  ["--help"],
  ["get", "--help"],
  ["get", "A", "-h"],
  ["completion"],
  ["nope"],
  ["--json"],
  ["get"],
  ["get", "A", "B"],
  ["get", "A", "--", "B"],
  ["get", "--", "-A"],
  ["get", "--", "--help"],
  ["rotate", "--dry-run", "--", "true"],
  ["run", "--", "A"],
  ["--", "get", "A"],
  ["get", "A", "--json", "--json"],
  ["get", "A", "-q", "--quiet"],
  ["get", "A", "--no-json"],
  ["get", "A", "--json=false"],
  ["get", "A", "--unknown"],
  ["get", "A", "--strict"],
  ["get", "A", "--version"],
  ["get", "A", "--version", "--json"],
  ["get", "A", "--version="],
  ["get", "A", "--provider", ""],
  ["get", "A", "--provider"],
  ["get", "A", "--provider", "env", "--provider", "vault"],
  ["get", "A", "-qj"],
  ["get", "-", "A"],
  ["get", "123"],
  ["get", "-5"],
  ["get", "1e3"],
  ["get", "A B"],
  ["--strict", "health"],
  ["health", "extra"],
  ["list", "A"],
  ["export"],
  ["export", "--format"],
  ["set", "A", "value"],
  ["set", "A", "--", "value"],
  ["delete"],
  ["rotate", "A", "--force"],
  ["-V", "get", "A"],
  ["get", "A", "-V"],
  ["get", "A", "--dotenv_file", "x"],
  ["get", "A", "--dotenvFile", "x"],
];

/** Command lines both parsers refuse: a flag given a value other than true or false. */
const REFUSED: string[][] = [
  ["rotate", "--dry-run=yes"],
  ["rotate", "A", "--dry-run=1"],
  ["init", "--force", "--dry-run=on"],
  ["health", "--strict=y"],
  ["health", "--strict=TRUE"],
  ["health", "--strict="],
  ["get", "A", "--json=yes"],
  ["--quiet=1", "list"],
  ["list", "-q=no"],
  ["delete", "A", "-y=0"],
  ["export", "--format", "env", "--all=yes"],
  ["copy", "--from", "env", "--to", "vault", "--all", "--dry-run=yes"],
  ["run", "--override=no", "--", "true"],
  ["rotate", "--dryRun=yes"],
  ["delete", "A", "-qy=no"],
  ["rotate", "--help=no"],
];

/** Of those, the ones the quick parser reads itself (the rest it leaves to yargs, which refuses them). */
const REFUSED_BY_QUICK = new Set(REFUSED.slice(0, 11).map((argv) => JSON.stringify(argv)));

describe("the quick parser", () => {
  it.each(ACCEPTED)("takes %j and agrees with yargs", async (...argv) => {
    const quick = parseQuick(argv);
    expect(quick, "the quick parser should take this").toBeDefined();
    const full = await viaYargs(argv);
    expect(full).toEqual({ command: quick?.spec.name, args: quick?.args });
  });

  it.each(REFUSED)("refuses %j as yargs does, never reading the value as false", async (...argv) => {
    let quick: unknown;
    try {
      quick = parseQuick(argv);
    } catch (error) {
      quick = error;
    }
    const full = await viaYargs(argv);
    expect(full).toEqual({
      error: expect.stringMatching(
        /^--[a-z-]+ is a flag: give it alone, or as --[a-z-]+=true or --[a-z-]+=false$/,
      ),
    });
    if (REFUSED_BY_QUICK.has(JSON.stringify(argv)))
      expect((quick as Error).message).toBe((full as { error: string }).error);
    else expect(quick).toBeUndefined();
  });

  it("--flag=true and --flag=false are read as they say", async () => {
    expect(await viaYargs(["rotate", "--dry-run=true"])).toMatchObject({ args: { dryRun: true } });
    expect(await viaYargs(["rotate", "--dry-run=false"])).toMatchObject({ args: { dryRun: false } });
    expect(await viaYargs(["health", "--strict=false"])).toMatchObject({ args: { strict: false } });
    expect(await viaYargs(["get", "A", "--version=3"])).toMatchObject({ args: { version: "3" } });
  });

  it.each(DECLINED)("leaves %j to yargs", (...argv) => {
    expect(parseQuick(argv)).toBeUndefined();
  });

  it("never takes a command line yargs would refuse, among every mix of the tokens above", async () => {
    const tokens = [...new Set([...ACCEPTED, ...DECLINED].flat())];
    let taken = 0;
    // Every one- and two-token tail after each command: thousands of lines, each checked both ways.
    for (const command of ["get", "health", "export", "set", "rotate"])
      for (const a of tokens)
        for (const b of [undefined, ...tokens]) {
          const argv = b === undefined ? [command, a] : [command, a, b];
          const quick = parseQuick(argv);
          if (quick === undefined) continue;
          taken++;
          expect(await viaYargs(argv), JSON.stringify(argv)).toEqual({
            command: quick.spec.name,
            args: quick.args,
          });
        }
    expect(taken).toBeGreaterThan(100);
  });
});
