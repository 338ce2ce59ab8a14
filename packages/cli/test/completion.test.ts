import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { defaultManifest } from "@org/secrets-initializer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completionScript } from "../src/completion.js";
import { run } from "../src/index.js";
import { Capture, memoryProvider, runCli, tempDir } from "./helpers.js";

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));

const MANIFEST = [
  "version: 1",
  "secrets:",
  "  ALPHA_KEY: { generate: { kind: hex, length: 32 } }",
  "  ALPHA_TOKEN: { required: false, development: dev-value-never-shown }",
  "  BETA_PASSWORD: { required: false }",
  "",
].join("\n");
const NAMES = ["ALPHA_KEY", "ALPHA_TOKEN", "BETA_PASSWORD"];

let project: { dir: string; remove: () => void };

beforeAll(() => {
  project = tempDir("secrets-completion-");
  writeFileSync(path.join(project.dir, "secrets.yaml"), MANIFEST);
  mkdirSync(path.join(project.dir, "other"));
  writeFileSync(path.join(project.dir, "other", "m.yaml"), "version: 1\nsecrets:\n  OTHER_ONE: {}\n");
});

afterAll(() => {
  project.remove();
});

/** What `secrets __complete WORDS...` offers in the project directory (or `cwd`). */
async function complete(words: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = await runCli(["__complete", ...words], {
    cwd: options.cwd ?? project.dir,
    env: options.env ?? {},
  });
  expect(result.code).toBe(0);
  expect(result.stderr).toBe("");
  expect(result.stdout).not.toContain("dev-value-never-shown");
  return result.stdout === "" ? [] : result.stdout.trimEnd().split("\n");
}

describe("the completion request", () => {
  it("offers command names, then a command's options", async () => {
    expect(await complete([""])).toEqual([
      "init",
      "rotate",
      "health",
      "export",
      "get",
      "set",
      "delete",
      "list",
      "restore",
      "run",
      "copy",
      "completion",
    ]);
    expect(await complete(["r"])).toEqual(["rotate", "restore", "run"]);
    expect(await complete(["export", "--f"])).toEqual(["--format"]);
    expect(await complete(["run", "--"])).toEqual(
      expect.arrayContaining(["--only", "--all", "--allow-missing", "--override", "--no-override", "--help"]),
    );
    expect(await complete(["--"])).toEqual(expect.arrayContaining(["--provider", "--manifest", "--version"]));
    expect(await complete(["bogus", ""])).toEqual([]);
  });

  it("offers --format values, --provider values and shells, as separate and joined words", async () => {
    expect(await complete(["export", "--format", ""])).toEqual(["env", "json", "yaml", "shell"]);
    expect(await complete(["export", "--format", "j"])).toEqual(["json"]);
    expect(await complete(["export", "--format=y"])).toEqual(["--format=yaml"]);
    // bash splits at '=': `--format`, `=`, `s`, and `--format`, `=` for nothing typed yet.
    expect(await complete(["export", "--format", "=", "s"])).toEqual(["--format=shell"]);
    expect(await complete(["export", "--format", "="])).toHaveLength(4);
    expect(await complete(["--provider", "v"])).toEqual(["vault"]);
    expect(await complete(["copy", "--from", "env", "--to", ""])).toEqual(["env", "vault", "aws"]);
    expect(await complete(["completion", ""])).toEqual(["bash", "zsh", "fish"]);
    expect(await complete(["completion", "zsh", ""])).toEqual([]);
  });

  it("offers the manifest's names to every command that takes names, and nothing else from it", async () => {
    for (const command of ["get", "set", "delete", "restore", "rotate", "copy"])
      expect(await complete([command, ""]), command).toEqual(NAMES);
    expect(await complete(["get", "ALPHA_"])).toEqual(["ALPHA_KEY", "ALPHA_TOKEN"]);
    // One name for get, set, delete and restore; lists leave out what is already there.
    expect(await complete(["get", "ALPHA_KEY", ""])).toEqual([]);
    expect(await complete(["rotate", "ALPHA_KEY", ""])).toEqual(["ALPHA_TOKEN", "BETA_PASSWORD"]);
    expect(await complete(["copy", "--from", "env", "--to", "vault", "B"])).toEqual(["BETA_PASSWORD"]);
    expect(await complete(["run", "--only", ""])).toEqual(NAMES);
    expect(await complete(["run", "--only", "ALPHA_KEY,"])).toEqual([
      "ALPHA_KEY,ALPHA_TOKEN",
      "ALPHA_KEY,BETA_PASSWORD",
    ]);
    expect(await complete(["run", "--only=ALPHA_KEY,B"])).toEqual(["--only=ALPHA_KEY,BETA_PASSWORD"]);
    // After `--` comes the command run starts: the shell completes it.
    expect(await complete(["run", "--", ""])).toEqual([]);
    for (const command of ["export", "list", "health", "init"])
      expect(await complete([command, ""])).toEqual([]);
  });

  it("reads the manifest --manifest or SECRETS_MANIFEST names, else the built-in one; a bad one gives no names", async () => {
    expect(await complete(["--manifest", "other/m.yaml", "get", ""])).toEqual(["OTHER_ONE"]);
    expect(await complete(["get", "--manifest=other/m.yaml", ""])).toEqual(["OTHER_ONE"]);
    expect(await complete(["get", ""], { env: { SECRETS_MANIFEST: "other/m.yaml" } })).toEqual(["OTHER_ONE"]);
    const empty = tempDir("secrets-completion-empty-");
    try {
      expect(await complete(["get", ""], { cwd: empty.dir })).toEqual(
        defaultManifest().secrets.map((secret) => secret.name),
      );
      writeFileSync(path.join(empty.dir, "secrets.yaml"), "version: 1\nsecrets: [oops\n");
      expect(await complete(["get", ""], { cwd: empty.dir })).toEqual([]);
      expect(
        await complete(["get", ""], { cwd: empty.dir, env: { SECRETS_MANIFEST: "missing.yaml" } }),
      ).toEqual([]);
      // Commands and formats are still offered.
      expect(await complete(["export", "--format", ""], { cwd: empty.dir })).toHaveLength(4);
    } finally {
      empty.remove();
    }
  });

  it("never loads or contacts a provider", async () => {
    const provider = memoryProvider({ ALPHA_KEY: "value-in-the-provider" });
    let loads = 0;
    const loaders = {
      memory: async () => {
        loads++;
        return { createProvider: () => provider };
      },
    };
    for (const words of [
      ["get", ""],
      ["--provider", "memory", "get", "A"],
      ["run", "--only", ""],
      ["export", "--format", ""],
    ]) {
      const stdout = new Capture();
      const stderr = new Capture();
      const stdin = new PassThrough();
      stdin.end();
      const code = await run(
        ["__complete", ...words],
        {
          stdin,
          stdout,
          stderr,
          env: { SECRET_PROVIDER: "memory" },
          cwd: project.dir,
          stdinIsTTY: false,
          stdoutIsTTY: false,
          stderrIsTTY: false,
        },
        { loaders },
      );
      expect(code).toBe(0);
      expect(stdout.text).not.toContain("value-in-the-provider");
      expect(stderr.text).toBe("");
    }
    expect(loads).toBe(0);
  });
});

describe("the completion command", () => {
  it("--help prints help, not a script", async () => {
    const result = await runCli(["completion", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^secrets completion \[shell\]/);
    expect(result.stdout).toContain("Examples:");
    expect(result.stdout).not.toContain("__complete");
  });

  it("prints the script for the shell named, else for $SHELL; refuses others with a usage error", async () => {
    for (const shell of ["bash", "zsh", "fish"] as const) {
      const named = await runCli(["completion", shell], { env: { SHELL: "/bin/sh" } });
      expect(named.code, shell).toBe(0);
      expect(named.stdout, shell).toBe(completionScript(shell));
      const fromEnv = await runCli(["completion"], { env: { SHELL: `/usr/local/bin/${shell}` } });
      expect(fromEnv.stdout, shell).toBe(completionScript(shell));
    }
    const unknown = await runCli(["completion"], { env: { SHELL: "/bin/tcsh" } });
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toBe(
      "Error: Cannot tell the shell from $SHELL: name it, as in secrets completion bash|zsh|fish (run 'secrets completion --help' for usage)\n",
    );
    const wrong = await runCli(["completion", "tcsh"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toBe("");
  });

  it("zsh and fish scripts ask the CLI with the words typed so far and fall back to files", () => {
    const zsh = completionScript("zsh");
    expect(zsh.startsWith("#compdef secrets\n")).toBe(true);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh syntax, not a template
    expect(zsh).toContain('secrets __complete "${(@)words[2,CURRENT]}"');
    expect(zsh).toContain("compadd -- ");
    expect(zsh).toContain("_files");
    expect(zsh).toContain("compdef _secrets_complete secrets");
    const fish = completionScript("fish");
    expect(fish).toContain('secrets __complete $tokens "$current"');
    expect(fish).toContain("complete -c secrets -f -a '(_secrets_complete)'");
    expect(fish).toContain('__fish_complete_path "$current"');
    // Balanced blocks: one `end` for the function, one for the if.
    expect(fish.match(/^\s*(?:function|if)\b/gm)).toHaveLength(2);
    expect(fish.match(/^\s*end$/gm)).toHaveLength(2);
  });
});

describe("the bash script, in bash, with the built CLI", () => {
  let shim: { dir: string; remove: () => void };
  beforeAll(() => {
    expect(existsSync(bin), "build packages/cli first").toBe(true);
    shim = tempDir("secrets-completion-bin-");
    const secrets = path.join(shim.dir, "secrets");
    writeFileSync(
      secrets,
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"\n`,
    );
    chmodSync(secrets, 0o755);
  });
  afterAll(() => {
    shim.remove();
  });

  it("is valid bash", () => {
    const check = spawnSync("bash", ["-n"], { input: completionScript("bash"), encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  /** COMPREPLY after completing the last of `words` (split as bash splits them). */
  function bashComplete(words: string[]): string[] {
    const script = [
      completionScript("bash"),
      `COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")})`,
      `COMP_CWORD=${words.length - 1}`,
      "_secrets_complete",
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
    ].join("\n");
    const result = spawnSync("bash", ["--norc", "--noprofile"], {
      input: script,
      cwd: project.dir,
      env: { PATH: `${shim.dir}:${process.env.PATH ?? ""}`, HOME: project.dir },
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    return result.stdout.split("\n").filter((line) => line !== "");
  }

  it("completes commands, --format values (also after '='), and the manifest's names", () => {
    expect(bashComplete(["secrets", "ex"])).toEqual(["export"]);
    expect(bashComplete(["secrets", "export", "--format", ""])).toEqual(["env", "json", "yaml", "shell"]);
    // `--format=j`: bash's words are `--format`, `=`, `j`, and readline replaces only `j`.
    expect(bashComplete(["secrets", "export", "--format", "=", "j"])).toEqual(["json"]);
    expect(bashComplete(["secrets", "export", "--format", "="])).toEqual(["env", "json", "yaml", "shell"]);
    expect(bashComplete(["secrets", "get", "B"])).toEqual(["BETA_PASSWORD"]);
    expect(bashComplete(["secrets", "run", "--only", "ALPHA_TOKEN,"])).toEqual([
      "ALPHA_TOKEN,ALPHA_KEY",
      "ALPHA_TOKEN,BETA_PASSWORD",
    ]);
  });
});
