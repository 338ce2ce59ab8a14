import { spawn } from "node:child_process";
import { chmodSync, promises as fs, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
// By path, not by package name: the fixtures package itself depends on this one, and a
// dependency back would make the workspace's build graph cyclic.
import {
  type CliProject,
  createCliProject,
  motoEnv,
  type OpenBaoServer,
  type RunningServer,
  runCli,
  startMoto,
  startOpenBao,
} from "@org/secrets-test-support";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tempDir, writeEnvironmentFirstProvider } from "./helpers.js";

/** `secrets run` through the built binary, as users run it, against the env provider (and a real OpenBao and moto). */

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
// Where the Vault and AWS providers are installed: the package of the tests across packages declares them all
// (this package cannot, since their own tests depend on it).
const TEST_SUPPORT = fileURLToPath(new URL("../../integration-tests/", import.meta.url));
const node = process.execPath;

let dir: string;
let remove: () => void;
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-run-"));
  writeFileSync(path.join(dir, ".env"), "APP_TOKEN=from-file\nOTHER=other-from-file\n");
  writeFileSync(
    path.join(dir, "secrets.yaml"),
    "version: 1\nsecrets:\n  APP_TOKEN:\n    required: true\n  OPTIONAL_ONE:\n    required: false\n",
  );
});
afterEach(() => remove());

const secrets = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { bin, cwd: dir, env: { HOME: dir, ...env }, timeoutMs: 30_000 });

/** A node one-liner as the command: prints what it is given. */
const printEnv = (...names: string[]) => [
  node,
  "-e",
  `process.stdout.write(JSON.stringify([${names.map((n) => JSON.stringify(n)).join(",")}].map((n) => process.env[n] ?? null)))`,
];

/**
 * A project with `provider` installed and a manifest requiring APP_TOKEN, set
 * to `value` through the CLI with the environment `env` gives for the project's folder as HOME.
 */
async function projectWithAppToken(
  provider: string,
  env: (home: string) => Record<string, string>,
  value: string,
): Promise<CliProject> {
  const project = await createCliProject([provider], TEST_SUPPORT);
  await fs.writeFile(
    path.join(project.dir, "secrets.yaml"),
    "version: 1\nsecrets:\n  APP_TOKEN:\n    required: true\n",
  );
  const seeded = await runCli(["set", "APP_TOKEN"], {
    bin,
    cwd: project.dir,
    env: env(project.dir),
    stdin: value,
  });
  expect(seeded.code, seeded.stderr).toBe(0);
  return project;
}

/** `run` on a real backend: the provider's APP_TOKEN replaces an inherited one, unless --no-override. */
async function expectProviderWins(cwd: string, env: NodeJS.ProcessEnv, fromProvider: string): Promise<void> {
  const inherited = { ...env, APP_TOKEN: "from-environment" };
  const wins = await runCli(["run", "--", ...printEnv("APP_TOKEN")], { bin, cwd, env: inherited });
  expect(wins.code, wins.stderr).toBe(0);
  expect(wins.stderr).toBe("");
  expect(JSON.parse(wins.stdout)).toEqual([fromProvider]);
  const kept = await runCli(["run", "--no-override", "--", ...printEnv("APP_TOKEN")], {
    bin,
    cwd,
    env: inherited,
  });
  expect(JSON.parse(kept.stdout)).toEqual(["from-environment"]);
}

describe("secrets run: environment and exit codes", () => {
  it("adds the manifest's secrets to the command's environment and keeps the rest of it", async () => {
    const result = await secrets(["run", "--", ...printEnv("APP_TOKEN", "OTHER", "KEEP_ME")], {
      KEEP_ME: "kept",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    // OTHER is not in the manifest: only --all or --only brings it.
    expect(JSON.parse(result.stdout)).toEqual(["from-file", null, "kept"]);
  });

  it("--only and --all choose the secrets", async () => {
    const only = await secrets(["run", "--only", "OTHER", "--", ...printEnv("APP_TOKEN", "OTHER")]);
    expect(JSON.parse(only.stdout)).toEqual([null, "other-from-file"]);
    const all = await secrets(["run", "--all", "--", ...printEnv("APP_TOKEN", "OTHER")]);
    expect(JSON.parse(all.stdout)).toEqual(["from-file", "other-from-file"]);
    expect((await secrets(["run", "--all", "--only", "OTHER", "--", "true"])).code).toBe(2);
  });

  it("--all leaves out listed names that make a program load code, unless declared or named with --only", async () => {
    // What a writer of the store could list: each would run code in the command (`path` as Windows reads PATH).
    writeFileSync(
      path.join(dir, ".env"),
      [
        "APP_TOKEN=from-file",
        "OTHER=other-from-file",
        "NODE_OPTIONS=--title=listed-options",
        "LD_PRELOAD=/nonexistent/listed-preload.so",
        "path=/nonexistent/listed-path",
        "BASH_ENV=/nonexistent/listed-rc",
        "",
      ].join("\n"),
    );
    const held = ["NODE_OPTIONS", "LD_PRELOAD", "path", "BASH_ENV"] as const;
    const all = await secrets(["run", "--all", "--", ...printEnv("APP_TOKEN", "OTHER", ...held)]);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual(["from-file", "other-from-file", null, null, null, null]);
    expect(all.stderr.trim().split("\n")).toHaveLength(1);
    expect(all.stderr).toMatch(
      /^Warning: left out .*listed by the provider but not declared in the manifest/,
    );
    for (const name of held) expect(all.stderr).toContain(`'${name}'`);
    // No value is named in the warning.
    expect(all.stderr).not.toMatch(/listed-(options|preload|path|rc)/);

    // Named on purpose, it is passed on.
    const only = await secrets(["run", "--only", "NODE_OPTIONS", "--", ...printEnv("NODE_OPTIONS")]);
    expect(only.stderr).toBe("");
    expect(JSON.parse(only.stdout)).toEqual(["--title=listed-options"]);

    // Declared in the manifest, it is the project's choice: --all passes it without a warning about it.
    writeFileSync(path.join(dir, "secrets.yaml"), "version: 1\nsecrets:\n  BASH_ENV:\n    required: true\n");
    const declared = await secrets(["run", "--all", "--", ...printEnv("BASH_ENV", "NODE_OPTIONS")]);
    expect(JSON.parse(declared.stdout)).toEqual(["/nonexistent/listed-rc", null]);
    expect(declared.stderr).not.toContain("BASH_ENV");

    // export --all leaves out the same names, in every format.
    const exported = await secrets(["export", "--format", "json", "--all"]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(Object.keys(JSON.parse(exported.stdout)).sort()).toEqual(["APP_TOKEN", "BASH_ENV", "OTHER"]);
    expect(exported.stderr).toMatch(
      /^Warning: left out .*'LD_PRELOAD'.*declare them in the manifest to export them/,
    );
  });
  it("ends with the command's own exit code", async () => {
    for (const code of [0, 1, 3, 42, 255]) {
      const result = await secrets(["run", "--", node, "-e", `process.exit(${code})`]);
      expect(result.code).toBe(code);
    }
  });

  it("ends with 128+N when the command dies of signal N", async () => {
    for (const [signal, expected] of [
      ["SIGTERM", 143],
      ["SIGKILL", 137],
      ["SIGINT", 130],
    ] as const) {
      const result = await secrets(["run", "--", node, "-e", `process.kill(process.pid, "${signal}")`]);
      expect(result.code, signal).toBe(expected);
    }
  });

  it("passes SIGTERM, SIGINT and SIGHUP on to the command, which sees them and chooses its exit code", async () => {
    for (const [signal, code] of [
      ["SIGTERM", 21],
      ["SIGINT", 22],
      ["SIGHUP", 23],
    ] as const) {
      const script = `process.on("${signal}", () => { process.stdout.write("got ${signal}"); process.exit(${code}); }); process.stdout.write("ready\\n"); setInterval(() => {}, 1000);`;
      const child = spawn(node, [bin, "run", "--", node, "-e", script], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", HOME: dir },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stderr.on("data", (chunk: Buffer) => {
        err += chunk.toString();
      });
      const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on("close", (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal })),
      );
      await new Promise<void>((resolve) =>
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("ready\n")) resolve();
        }),
      );
      child.kill(signal);
      const end = await ended;
      expect(err).toBe("");
      expect(out).toBe(`ready\ngot ${signal}`);
      expect(end).toEqual({ code, signal: null });
    }
  });

  it("a missing required secret stops it before the command starts (exit 1, naming it) unless --allow-missing", async () => {
    writeFileSync(path.join(dir, ".env"), "OTHER=x\n");
    const marker = path.join(dir, "started");
    const touch = [node, "-e", `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`];
    const refused = await secrets(["run", "--", ...touch]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "Error: Required secret 'APP_TOKEN' not found in env: the command was not started (pass --allow-missing to start it anyway)\n",
    );
    await expect(fs.stat(marker)).rejects.toThrow();
    const only = await secrets(["run", "--only", "OTHER,NOT_THERE", "--", ...touch]);
    expect(only.code).toBe(1);
    expect(only.stderr).toContain("'NOT_THERE'");
    await expect(fs.stat(marker)).rejects.toThrow();

    const allowed = await secrets(["run", "--allow-missing", "--", ...touch]);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toBe("Warning: required secret not set (missing): APP_TOKEN\n");
    await fs.stat(marker);
  });

  it("a missing command is one line and 127; one that cannot be executed is 126", async () => {
    const missing = await secrets(["run", "--", "no-such-command-anywhere", "arg"]);
    expect(missing).toMatchObject({ code: 127, stdout: "" });
    expect(missing.stderr).toBe("Error: 'no-such-command-anywhere': command not found\n");
    const script = path.join(dir, "not-executable.sh");
    writeFileSync(script, "#!/bin/sh\nexit 0\n");
    chmodSync(script, 0o644);
    const denied = await secrets(["run", "--", script]);
    expect(denied.code).toBe(126);
    expect(denied.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect((await secrets(["run"])).code).toBe(2);
    expect((await secrets(["run", "--only", "OTHER"])).stderr).toContain("Missing the command to run");
  });

  it("spawns no shell: metacharacters reach the command as they are", async () => {
    const result = await secrets([
      "run",
      "--",
      node,
      "-e",
      "process.stdout.write(process.argv[1])",
      "$HOME; echo no",
    ]);
    expect(result.stdout).toBe("$HOME; echo no");
  });

  it("never puts a value on the command's argv, in the output or in the process title", async () => {
    const result = await secrets(
      [
        "run",
        "--",
        node,
        "-e",
        "process.stdout.write(JSON.stringify({argv: process.argv, title: process.title}))",
      ],
      { LOG_LEVEL: "debug" },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("from-file");
    expect(result.stderr).not.toContain("from-file");
  });
});

describe("secrets run: precedence between the environment and the provider", () => {
  it("env provider: the dotenv file's value replaces the inherited one; --no-override keeps it", async () => {
    const wins = await secrets(["run", "--", ...printEnv("APP_TOKEN")], { APP_TOKEN: "from-environment" });
    expect(JSON.parse(wins.stdout)).toEqual(["from-file"]);
    const kept = await secrets(["run", "--no-override", "--", ...printEnv("APP_TOKEN")], {
      APP_TOKEN: "from-environment",
    });
    expect(JSON.parse(kept.stdout)).toEqual(["from-environment"]);
    // A name the file lacks keeps the environment's value either way, and counts as present.
    writeFileSync(path.join(dir, ".env"), "");
    const onlyEnv = await secrets(["run", "--", ...printEnv("APP_TOKEN")], { APP_TOKEN: "from-environment" });
    expect(onlyEnv.code).toBe(0);
    expect(JSON.parse(onlyEnv.stdout)).toEqual(["from-environment"]);
  });

  it("a third-party provider with the environmentFirst trait is read from its store alone, as env is", async () => {
    // Reads the environment it was given before its store, like env; the trait comes from LOCAL_TRAIT.
    writeEnvironmentFirstProvider(path.join(dir, "local.mjs"), "APP_TOKEN", "from-store");
    const env = { SECRET_PROVIDER: "./local.mjs", APP_TOKEN: "from-environment" };
    const declared = await secrets(["run", "--", ...printEnv("APP_TOKEN")], { ...env, LOCAL_TRAIT: "1" });
    expect(declared.stderr).toBe("");
    expect(JSON.parse(declared.stdout)).toEqual(["from-store"]);
    // Without the trait the provider's answer is taken as it is: here, the environment it was given.
    const undeclared = await secrets(["run", "--", ...printEnv("APP_TOKEN")], env);
    expect(JSON.parse(undeclared.stdout)).toEqual(["from-environment"]);
  });

  describe("vault provider (real OpenBao)", () => {
    let bao: OpenBaoServer;
    let project: CliProject;
    beforeAll(async () => {
      bao = await startOpenBao();
      project = await projectWithAppToken("@org/secrets-provider-vault", vaultEnv, "from-vault");
    }, 60_000);
    afterAll(async () => {
      await project?.remove();
      await bao?.stop();
    });

    const vaultEnv = (home = project.dir) => ({
      HOME: home,
      SECRET_PROVIDER: "vault",
      VAULT_URL: bao.url,
      VAULT_TOKEN: bao.token,
    });

    it("the provider's value replaces the inherited one; --no-override keeps it", async () => {
      await expectProviderWins(project.dir, vaultEnv(), "from-vault");
    });
  });
  describe("aws provider (real moto)", () => {
    let moto: RunningServer;
    let project: CliProject;
    const awsEnv = (home = project.dir) => ({ HOME: home, SECRET_PROVIDER: "aws", ...motoEnv(moto.url) });
    beforeAll(async () => {
      moto = await startMoto();
      project = await projectWithAppToken("@org/secrets-provider-aws", awsEnv, "from-aws");
    }, 60_000);
    afterAll(async () => {
      await project?.remove();
      await moto?.stop();
    });

    it("the provider's value replaces the inherited one; --no-override keeps it", async () => {
      await expectProviderWins(project.dir, awsEnv(), "from-aws");
    });
  });
});
