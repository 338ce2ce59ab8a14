import { execFileSync } from "node:child_process";
import { lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { ProviderUnavailableError } from "@org/secrets-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI_VERSION } from "../src/index.js";
import { loadYamlReader, memoryProvider, runCli, tempDir } from "./helpers.js";

const yaml = loadYamlReader();

const MANIFEST = `version: 1
secrets:
  API_KEY:
    description: generated and required
    required: true
    generate: { kind: hex, length: 64 }
    rotation: 30d
  DATABASE_URL:
    required: true
    generate: false
  CACHE_TOKEN:
    required: false
    generate: { kind: alphanumeric, length: 32 }
  SMTP_PASSWORD:
    required: false
    generate: false
`;

let dir: string;
let remove: () => void;
beforeEach(() => {
  ({ dir, remove } = tempDir());
  writeFileSync(path.join(dir, "secrets.yaml"), MANIFEST);
});
afterEach(() => remove());

/** Run against a memory provider in the temp project. */
const cli = (argv: string[], provider = memoryProvider(), input: Parameters<typeof runCli>[1] = {}) =>
  runCli(["--provider", "memory", ...argv], { cwd: dir, provider, ...input });

describe("version and help", () => {
  it("prints the version for --version and -V", async () => {
    for (const flag of ["--version", "-V"]) {
      const result = await runCli([flag]);
      expect(result).toEqual({ code: 0, stdout: `${CLI_VERSION}\n`, stderr: "" });
    }
    expect(CLI_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("prints help with every command and the exit codes", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    for (const command of [
      "init",
      "rotate",
      "health",
      "export",
      "get",
      "set",
      "delete",
      "list",
      "restore",
      "completion",
    ])
      expect(result.stdout).toContain(`secrets ${command}`);
    expect(result.stdout).toContain("Exit codes:");
  });

  it("prints each command's help with examples", async () => {
    for (const command of ["init", "rotate", "health", "export", "get", "set", "delete", "list", "restore"]) {
      const result = await runCli([command, "--help"]);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toContain("Examples:");
      expect(result.stderr, command).toBe("");
    }
  });

  it("prints a completion script for the shell $SHELL names", async () => {
    const result = await runCli(["completion"], { env: { SHELL: "/bin/bash" } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("complete -o default -F _secrets_complete secrets");
  });
});

describe("usage errors", () => {
  it.each([
    [["bogus"], "Error: Unknown command \"bogus\" (run 'secrets --help' for usage)\n"],
    [
      ["helth"],
      'Error: Unknown command "helth". Did you mean "health"? (run \'secrets --help\' for usage)\n',
    ],
    [
      ["exprot"],
      'Error: Unknown command "exprot". Did you mean "export"? (run \'secrets --help\' for usage)\n',
    ],
    [[], "Error: Missing command (run 'secrets --help' for usage)\n"],
    [["list", "--bogus"], "Error: Unknown argument: bogus (run 'secrets list --help' for usage)\n"],
    [["--bogus"], "Error: Unknown option '--bogus' (run 'secrets --help' for usage)\n"],
    [["--quiet", "--bogus=s3cr3t"], "Error: Unknown option '--bogus' (run 'secrets --help' for usage)\n"],
    [
      ["set"],
      "Error: Missing argument: usage is secrets set <name> (the value comes from stdin, --from-file or a prompt) (run 'secrets set --help' for usage)\n",
    ],
    [["get"], "Error: Missing argument: usage is secrets get <name> (run 'secrets get --help' for usage)\n"],
    [
      ["get", "A", "B"],
      "Error: Too many arguments: usage is secrets get <name> (run 'secrets get --help' for usage)\n",
    ],
    [
      ["get", "A", "--version"],
      "Error: Not enough arguments following: version (run 'secrets get --help' for usage)\n",
    ],
    [["export"], "Error: Missing required argument: format (run 'secrets export --help' for usage)\n"],
  ])("%j exits 2 with one line", async (argv, stderr) => {
    const result = await cli(argv);
    expect(result).toEqual({ code: 2, stdout: "", stderr });
  });

  it("refuses invalid names with exit 2", async () => {
    const result = await cli(["get", "NOT-VALID"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Error: Invalid secret name 'NOT-VALID': .+\n$/);
  });

  it("refuses an unknown provider name with exit 2", async () => {
    const result = await runCli(["list", "--provider", "no such provider"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "Error: Invalid SECRET_PROVIDER (a 16-character value): use env, vault, aws, a provider package name (such as @acme/secrets-provider-foo), or a path starting with ./, ../ or /\n",
    );
  });

  it("names the package to install for a provider package that is not installed", async () => {
    const result = await runCli(["list"], {
      cwd: dir,
      env: { SECRET_PROVIDER: "@acme/secrets-provider-nope" },
    });
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: Secret provider '@acme/secrets-provider-nope' is not installed: run npm install @acme/secrets-provider-nope\n",
    });
  });

  it("refuses an invalid LOG_LEVEL with exit 2", async () => {
    const result = await cli(["list"], memoryProvider(), { env: { LOG_LEVEL: "loud" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('Error: Invalid LOG_LEVEL "loud": use debug, info, warn, error or silent\n');
  });

  it("reports a malformed manifest with file:line and exit 2", async () => {
    writeFileSync(path.join(dir, "secrets.yaml"), "version: 1\nsecrets:\n  API_KEY:\n    required: maybe\n");
    const result = await cli(["init"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Error: secrets\.yaml:4:\d+: .+\n$/);
  });

  it("reports a missing --manifest file with exit 2", async () => {
    const result = await cli(["health", "--manifest", "nope.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Error: Secrets manifest nope\.yaml .*does not exist/);
  });
});

describe("get", () => {
  const value = "line one\nline two  \n";

  it("prints the exact value with no newline added when stdout is not a terminal", async () => {
    const result = await cli(["get", "API_KEY"], memoryProvider({ API_KEY: value }));
    expect(result).toEqual({ code: 0, stdout: value, stderr: "" });
  });

  it("adds a newline on a terminal", async () => {
    const result = await cli(["get", "API_KEY"], memoryProvider({ API_KEY: "abc" }), { stdoutIsTTY: true });
    expect(result.stdout).toBe("abc\n");
  });

  it("prints JSON with --json", async () => {
    const result = await cli(["get", "API_KEY", "--json"], memoryProvider({ API_KEY: value }));
    expect(JSON.parse(result.stdout)).toMatchObject({ name: "API_KEY", value, version: "1" });
  });

  it("exits 4 for a missing secret", async () => {
    const result = await cli(["get", "NOPE"]);
    expect(result).toEqual({ code: 4, stdout: "", stderr: "Error: Secret 'NOPE' not found\n" });
  });

  it("reads the previous version where the provider keeps versions", async () => {
    const provider = memoryProvider({ API_KEY: "old-value" }, { versions: true });
    await provider.set("API_KEY", "new-value");
    const result = await cli(["get", "API_KEY", "--version", "previous"], provider);
    expect(result).toEqual({ code: 0, stdout: "old-value", stderr: "" });
  });

  it("exits 1 with NotSupported where the provider keeps no versions", async () => {
    const result = await cli(["get", "API_KEY", "--version", "previous"], memoryProvider({ API_KEY: "x" }));
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: Secret provider 'memory' does not support reading earlier versions\n",
    });
  });

  it("reports a provider failure as one line, exit 1, no stack", async () => {
    const provider = memoryProvider(
      {},
      { failure: new ProviderUnavailableError("backend is down", { provider: "memory" }) },
    );
    const result = await cli(["get", "API_KEY"], provider);
    expect(result).toEqual({ code: 1, stdout: "", stderr: "Error: backend is down\n" });
  });

  it("adds the stack at LOG_LEVEL=debug", async () => {
    const provider = memoryProvider({}, { failure: new Error("raw failure") });
    const result = await cli(["get", "API_KEY"], provider, { env: { LOG_LEVEL: "debug" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Error: Secret provider 'memory' failed to get 'API_KEY': raw failure\n");
    expect(result.stderr).toMatch(/\n\s+at /);
    expect(result.stderr).toContain("Caused by: Error: raw failure");
  });
});

describe("set", () => {
  it.each([
    ["a trailing newline", "value\n"],
    ["a newline inside", "one\ntwo"],
    ["quotes", `it's "quoted"`],
    ["unicode", "pässwörd ✓ 🔑"],
    ["spaces around", "  padded  "],
    ["a byte-order mark", "\uFEFFbom"],
    ["backslashes and dollars", "\\n $HOME `x`"],
  ])("stores stdin exactly, with %s", async (_label, value) => {
    const provider = memoryProvider();
    const result = await cli(["set", "API_KEY"], provider, { stdin: value });
    expect(result).toEqual({ code: 0, stdout: "Set API_KEY (memory)\n", stderr: "" });
    expect(provider.current("API_KEY")).toBe(value);
  });

  it("is silent with --quiet and prints JSON with --json", async () => {
    expect(await cli(["set", "A", "--quiet"], memoryProvider(), { stdin: "v" })).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    const json = await cli(["set", "A", "--json"], memoryProvider(), { stdin: "v" });
    expect(JSON.parse(json.stdout)).toEqual({ name: "A", action: "set", provider: "memory" });
  });

  it("refuses a value on the command line and stores nothing", async () => {
    const provider = memoryProvider();
    const result = await cli(["set", "API_KEY", "hunter2-secret"], provider);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^Error: secrets set does not take the value as an argument: .*shell history.*\n$/,
    );
    expect(result.stderr).not.toContain("hunter2-secret");
    expect(provider.data.size).toBe(0);
  });

  it("reads --from-file byte for byte", async () => {
    writeFileSync(path.join(dir, "value.txt"), "file value\n\n");
    const provider = memoryProvider();
    const result = await cli(["set", "API_KEY", "--from-file", "value.txt"], provider);
    expect(result.code).toBe(0);
    expect(provider.current("API_KEY")).toBe("file value\n\n");
  });

  it("exits 2 when --from-file cannot be read", async () => {
    const result = await cli(["set", "API_KEY", "--from-file", "missing.txt"]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: Cannot read --from-file missing.txt: no such file (run 'secrets set --help' for usage)\n",
    });
  });

  it("refuses bytes that are not UTF-8", async () => {
    const provider = memoryProvider();
    const result = await cli(["set", "API_KEY"], provider, { stdin: Buffer.from([0x61, 0xff, 0x62]) });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("Error: Invalid value for secret 'API_KEY': stdin is not valid UTF-8 text\n");
    expect(provider.data.size).toBe(0);
  });

  it("refuses empty stdin unless --allow-empty", async () => {
    const provider = memoryProvider({ API_KEY: "before" });
    const refused = await cli(["set", "API_KEY"], provider, { stdin: "" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      "Error: stdin is empty: API_KEY was not changed (pass --allow-empty to store an empty value) (run 'secrets set --help' for usage)\n",
    );
    expect(provider.current("API_KEY")).toBe("before");
    const allowed = await cli(["set", "API_KEY", "--allow-empty"], provider, { stdin: "" });
    expect(allowed.code).toBe(0);
    expect(provider.current("API_KEY")).toBe("");
  });

  it("reads at most the provider's maxValueBytes", async () => {
    const provider = Object.assign(memoryProvider({ API_KEY: "before" }), { maxValueBytes: 8 });
    const refused = await cli(["set", "API_KEY"], provider, { stdin: "123456789" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      "Error: Invalid value for secret 'API_KEY': the value from stdin exceeds 8 bytes\n",
    );
    expect(provider.current("API_KEY")).toBe("before");
    expect((await cli(["set", "API_KEY"], provider, { stdin: "12345678" })).code).toBe(0);
  });

  describe("on a terminal", () => {
    function terminal() {
      const stdin = Object.assign(new PassThrough(), {
        isTTY: true,
        modes: [] as boolean[],
      }) as PassThrough & {
        isTTY: boolean;
        modes: boolean[];
        setRawMode: (mode: boolean) => unknown;
      };
      stdin.setRawMode = (mode: boolean) => stdin.modes.push(mode);
      return stdin;
    }

    it("asks twice without echo, in raw mode, and stores the value", async () => {
      const stdin = terminal();
      const provider = memoryProvider();
      const pending = cli(["set", "API_KEY"], provider, { stdinStream: stdin, stdinIsTTY: true });
      stdin.write("s3cret\u007fT\rs3creT\n"); // typed ahead: both answers in one chunk
      const result = await pending;
      expect(result.code).toBe(0);
      expect(provider.current("API_KEY")).toBe("s3creT");
      expect(result.stderr).toBe("Value for API_KEY: \nRepeat the value for API_KEY: \n");
      expect(result.stdout).toBe("Set API_KEY (memory)\n");
      expect(stdin.modes).toEqual([true, false, true, false]);
    });

    it("exits 2 and stores nothing when the entries differ", async () => {
      const stdin = terminal();
      const provider = memoryProvider();
      const pending = cli(["set", "API_KEY"], provider, { stdinStream: stdin, stdinIsTTY: true });
      stdin.write("first\r");
      stdin.write("second\r");
      const result = await pending;
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Error: The two entries differ: API_KEY was not changed");
      expect(result.stderr).not.toMatch(/first|second/);
      expect(provider.data.size).toBe(0);
    });

    it("cancels on Ctrl-C with exit 1 and leaves raw mode", async () => {
      const stdin = terminal();
      const provider = memoryProvider();
      const pending = cli(["set", "API_KEY"], provider, { stdinStream: stdin, stdinIsTTY: true });
      stdin.write("abc\u0003");
      const result = await pending;
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("Error: Cancelled\n");
      expect(stdin.modes).toEqual([true, false]);
      expect(provider.data.size).toBe(0);
    });
  });
});

describe("delete", () => {
  it("without a terminal, deletes only with --yes (exit 2 otherwise, nothing deleted)", async () => {
    const provider = memoryProvider({ API_KEY: "x" });
    expect(await cli(["delete", "API_KEY"], provider)).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: Not deleting API_KEY: without a terminal to confirm on, pass --yes (run 'secrets delete --help' for usage)\n",
    });
    expect(provider.data.has("API_KEY")).toBe(true);
    const result = await cli(["delete", "API_KEY", "--yes"], provider);
    expect(result).toEqual({ code: 0, stdout: "Deleted API_KEY (memory)\n", stderr: "" });
    expect(provider.data.has("API_KEY")).toBe(false);
  });

  it("exits 4 for a missing secret", async () => {
    const result = await cli(["delete", "NOPE", "--yes"]);
    expect(result).toEqual({ code: 4, stdout: "", stderr: "Error: Secret 'NOPE' not found\n" });
  });

  it("asks on a terminal and keeps the secret on no", async () => {
    const stdin = new PassThrough();
    const provider = memoryProvider({ API_KEY: "x" });
    const pending = cli(["delete", "API_KEY"], provider, { stdinStream: stdin, stdinIsTTY: true });
    stdin.write("n\n");
    const result = await pending;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "Delete secret 'API_KEY' from memory? [y/N] Warning: API_KEY was not deleted\n",
    );
    expect(provider.data.has("API_KEY")).toBe(true);
  });

  it("deletes on a terminal after yes, or at once with --yes", async () => {
    const stdin = new PassThrough();
    const provider = memoryProvider({ A: "x", B: "y" });
    const pending = cli(["delete", "A"], provider, { stdinStream: stdin, stdinIsTTY: true });
    stdin.write("yes\n");
    expect((await pending).code).toBe(0);
    expect(provider.data.has("A")).toBe(false);

    const other = new PassThrough();
    const result = await cli(["delete", "B", "--yes"], provider, { stdinStream: other, stdinIsTTY: true });
    expect(result).toEqual({ code: 0, stdout: "Deleted B (memory)\n", stderr: "" });
  });
});

describe("list", () => {
  it("prints every name, sorted, where the provider can list", async () => {
    const provider = memoryProvider({ ZED: "1", ALPHA: "2" }, { list: true });
    expect(await cli(["list"], provider)).toEqual({ code: 0, stdout: "ALPHA\nZED\n", stderr: "" });
    expect(JSON.parse((await cli(["list", "--json"], provider)).stdout)).toEqual(["ALPHA", "ZED"]);
  });

  it("shows the manifest's secrets as present or missing otherwise", async () => {
    const provider = memoryProvider({ API_KEY: "1", CACHE_TOKEN: "2" });
    const result = await cli(["list"], provider);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n").slice(0, 4)).toEqual([
      "API_KEY        present",
      "DATABASE_URL   missing (required)",
      "CACHE_TOKEN    present",
      "SMTP_PASSWORD  missing",
    ]);
    const json = JSON.parse((await cli(["list", "--json"], provider)).stdout);
    expect(json).toEqual([
      { name: "API_KEY", required: true, present: true },
      { name: "DATABASE_URL", required: true, present: false },
      { name: "CACHE_TOKEN", required: false, present: true },
      { name: "SMTP_PASSWORD", required: false, present: false },
    ]);
  });
});

describe("restore", () => {
  it("restores where the provider schedules deletions", async () => {
    const provider = memoryProvider({ API_KEY: "x" }, { restore: true });
    await provider.delete("API_KEY");
    expect(await cli(["restore", "API_KEY"], provider)).toEqual({
      code: 0,
      stdout: "Restored API_KEY (memory)\n",
      stderr: "",
    });
    expect(provider.current("API_KEY")).toBe("x");
  });

  it("exits 1 with NotSupported elsewhere", async () => {
    expect(await cli(["restore", "API_KEY"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: Secret provider 'memory' does not support restoring deleted secrets\n",
    });
  });
});

describe("export", () => {
  const secrets = {
    SMTP_PASSWORD: "smtp's",
    API_KEY: "key\nwith newline",
    EXTRA: "not declared",
    DATABASE_URL: "db",
  };

  it("prints the manifest's existing secrets in manifest order", async () => {
    const result = await cli(["export", "--format", "json"], memoryProvider(secrets));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const parsed = JSON.parse(result.stdout);
    expect(Object.keys(parsed)).toEqual(["API_KEY", "DATABASE_URL", "SMTP_PASSWORD"]);
    expect(parsed.API_KEY).toBe("key\nwith newline");
  });

  it("adds every listed secret with --all", async () => {
    const provider = memoryProvider({ ...secrets, AAA: "a" }, { list: true });
    const result = await cli(["export", "--format", "yaml", "--all"], provider);
    const parsed = yaml.parse(result.stdout) as Record<string, string>;
    expect(Object.keys(parsed)).toEqual(["API_KEY", "DATABASE_URL", "SMTP_PASSWORD", "AAA", "EXTRA"]);
  });

  it("exits 1 for --all where the provider cannot list", async () => {
    const result = await cli(["export", "--format", "env", "--all"], memoryProvider(secrets));
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: Secret provider 'memory' does not support listing secrets\n",
    });
  });

  it("exits 1 naming a missing required secret, writing nothing, unless --allow-missing", async () => {
    const refused = await cli(["export", "--format", "shell"], memoryProvider({ API_KEY: "k" }));
    expect(refused).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "Error: Export refused: required secret missing: DATABASE_URL; nothing was written (pass --allow-missing to export the others)\n",
    });
    const result = await cli(
      ["export", "--format", "shell", "--allow-missing"],
      memoryProvider({ API_KEY: "k" }),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("export API_KEY='k'\n");
    expect(result.stderr).toBe("Warning: required secret not exported (missing): DATABASE_URL\n");
  });

  it("exits 2 for an unknown format, listing the valid ones", async () => {
    expect(await cli(["export", "--format", "toml"], memoryProvider(secrets))).toEqual({
      code: 2,
      stdout: "",
      stderr: 'Error: Unknown export format "toml": use one of env, json, yaml, shell\n',
    });
  });

  it("writes --output atomically with mode 0600", async () => {
    const result = await cli(["export", "--format", "env", "--output", "out.env"], memoryProvider(secrets));
    expect(result).toEqual({
      code: 0,
      stdout: "Exported 3 secrets to out.env (env, mode 0600)\n",
      stderr: "",
    });
    const file = path.join(dir, "out.env");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain("SMTP_PASSWORD=smtp's\n");
    expect(readdirSync(dir).sort()).toEqual(["out.env", "secrets.yaml"]);
  });

  it("refuses --output that is not a regular file (exit 2, one line), leaving it in place", async () => {
    execFileSync("mkfifo", [path.join(dir, "out.pipe")]);
    const result = await cli(["export", "--format", "env", "--output", "out.pipe"], memoryProvider(secrets));
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: `Error: Cannot write ${path.join(dir, "out.pipe")}: it is a named pipe, not a regular file\n`,
    });
    expect(lstatSync(path.join(dir, "out.pipe")).isFIFO()).toBe(true);
  });

  it("writes --output through a symbolic link, keeping the link", async () => {
    writeFileSync(path.join(dir, "real.env"), "OLD=1\n");
    symlinkSync("real.env", path.join(dir, "out.env"));
    const result = await cli(["export", "--format", "env", "--output", "out.env"], memoryProvider(secrets));
    expect(result.code).toBe(0);
    expect(lstatSync(path.join(dir, "out.env")).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, "real.env"), "utf8")).toContain("SMTP_PASSWORD=smtp's\n");
    expect(statSync(path.join(dir, "real.env")).mode & 0o777).toBe(0o600);
  });
});

describe("init", () => {
  it("creates what is missing and reports a required secret it cannot generate (exit 1)", async () => {
    const provider = memoryProvider();
    const result = await cli(["init"], provider);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("");
    const lines = result.stdout.split("\n");
    expect(lines).toContain("DATABASE_URL   missing (required): set it with: secrets set DATABASE_URL");
    expect(lines.find((l) => l.startsWith("API_KEY "))).toMatch(/^API_KEY\s+created$/);
    expect(lines.find((l) => l.startsWith("CACHE_TOKEN "))).toMatch(/created$/);
    expect(lines.find((l) => l.startsWith("SMTP_PASSWORD "))).toMatch(
      /not set \(optional, cannot be generated\)/,
    );
    expect(result.stdout).toMatch(
      /Initialized 4 secrets \(memory\): 2 created, 1 optional not set, 1 required missing\n$/,
    );
    expect(provider.current("API_KEY")).toMatch(/^[0-9a-f]{64}$/);
    expect(provider.data.has("DATABASE_URL")).toBe(false);
  });

  it("exits 0 once every required secret exists, and changes nothing on a second run", async () => {
    const provider = memoryProvider({ DATABASE_URL: "postgres://db" });
    expect((await cli(["init"], provider)).code).toBe(0);
    const before = new Map([...provider.data].map(([k, v]) => [k, v.at(-1)?.value]));
    const again = await cli(["init"], provider);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/3 unchanged, 1 optional not set/);
    expect(new Map([...provider.data].map(([k, v]) => [k, v.at(-1)?.value]))).toEqual(before);
  });

  it("writes nothing with --dry-run and prints the InitResult with --json", async () => {
    const provider = memoryProvider({ DATABASE_URL: "x" });
    const result = await cli(["init", "--dry-run", "--json"], provider);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.dryRun).toBe(true);
    expect(parsed.ok).toBe(true);
    expect(parsed.secrets.map((s: { name: string; action: string }) => [s.name, s.action])).toEqual([
      ["API_KEY", "created"],
      ["DATABASE_URL", "exists"],
      ["CACHE_TOKEN", "created"],
      ["SMTP_PASSWORD", "skipped"],
    ]);
    expect([...provider.data.keys()]).toEqual(["DATABASE_URL"]);
  });

  it("with --quiet prints only the problems, on stderr", async () => {
    const result = await cli(["init", "--quiet"], memoryProvider());
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "Warning: DATABASE_URL  missing (required): set it with: secrets set DATABASE_URL\n",
    );
  });
});

describe("rotate", () => {
  it("replaces every generatable secret that exists", async () => {
    const provider = memoryProvider({ API_KEY: "old-api", CACHE_TOKEN: "old-cache", DATABASE_URL: "db" });
    const result = await cli(["rotate"], provider);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^API_KEY\s+rotated$/m);
    expect(result.stdout).toMatch(
      /^DATABASE_URL\s+skipped \(cannot be generated\): set a new value with: secrets set DATABASE_URL$/m,
    );
    expect(provider.current("API_KEY")).not.toBe("old-api");
    expect(provider.current("CACHE_TOKEN")).not.toBe("old-cache");
    expect(provider.current("DATABASE_URL")).toBe("db");
  });

  it("rotates only the named secrets", async () => {
    const provider = memoryProvider({ API_KEY: "old-api", CACHE_TOKEN: "old-cache" });
    const result = await cli(["rotate", "CACHE_TOKEN"], provider);
    expect(result.code).toBe(0);
    expect(provider.current("API_KEY")).toBe("old-api");
    expect(provider.current("CACHE_TOKEN")).not.toBe("old-cache");
  });

  it("exits 1 when a named secret is missing and 2 when it is not in the manifest", async () => {
    const missing = await cli(["rotate", "API_KEY"], memoryProvider());
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^API_KEY\s+missing: create it with: secrets init$/m);
    const unknown = await cli(["rotate", "NOT_DECLARED"], memoryProvider());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Error: .*NOT_DECLARED.*\n$/);
  });

  it("changes nothing with --dry-run", async () => {
    const provider = memoryProvider({ API_KEY: "old-api" });
    const result = await cli(["rotate", "--dry-run"], provider);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^API_KEY\s+would be rotated$/m);
    expect(provider.current("API_KEY")).toBe("old-api");
  });
});

describe("health", () => {
  const complete = { API_KEY: "k", DATABASE_URL: "d", CACHE_TOKEN: "c", SMTP_PASSWORD: "s" };

  it("exits 0 when healthy and prints a table", async () => {
    const result = await cli(["health"], memoryProvider(complete));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^NAME\s+REQUIRED\s+STATUS\s+ROTATION$/m);
    expect(result.stdout).toMatch(/^API_KEY\s+yes\s+ok\s+due \d{4}-\d{2}-\d{2} \(every 30d\)$/m);
    expect(result.stdout).toMatch(/^Provider: memory ok \(\d+ ms\)$/m);
    expect(result.stdout).toMatch(/^Status: healthy$/m);
  });

  it("exits 0 with a warning when degraded, 3 with --strict", async () => {
    const { SMTP_PASSWORD: _omit, ...partial } = complete;
    const result = await cli(["health"], memoryProvider(partial));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Status: degraded \(1 optional secret missing\)$/m);
    expect(result.stderr).toBe(
      "Warning: secrets are degraded (1 optional secret missing); with --strict this exits 3\n",
    );
    expect((await cli(["health", "--strict"], memoryProvider(partial))).code).toBe(3);
  });

  it("exits 1 when a required secret is missing or the provider fails", async () => {
    const missing = await cli(["health"], memoryProvider({ API_KEY: "k" }));
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^DATABASE_URL\s+yes\s+missing\s+-$/m);
    expect(missing.stdout).toMatch(
      /^Status: unhealthy \(1 required secret missing, 2 optional secrets missing\)$/m,
    );

    const down = await cli(
      ["health"],
      memoryProvider(
        {},
        { failure: new ProviderUnavailableError("backend is down", { provider: "memory" }) },
      ),
    );
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^Provider: memory failed: backend is down$/m);
  });

  it("exits 2 when the provider cannot be loaded at all", async () => {
    const result = await runCli(["health", "--provider", "@acme/secrets-provider-nope"], { cwd: dir });
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: Secret provider '@acme/secrets-provider-nope' is not installed: run npm install @acme/secrets-provider-nope\n",
    });
  });

  it("prints the HealthReport with --json", async () => {
    const result = await cli(["health", "--json", "--strict"], memoryProvider(complete));
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe("healthy");
    expect(report.provider).toMatchObject({ name: "memory", ok: true });
    expect(report.secrets).toHaveLength(4);
    expect(report.summary).toMatchObject({ total: 4, ok: 4, missing: 0 });
  });

  it("colours statuses on a terminal unless NO_COLOR is set", async () => {
    const coloured = await cli(["health"], memoryProvider(complete), { stdoutIsTTY: true });
    expect(coloured.stdout).toContain("\u001b[32mhealthy\u001b[39m");
    const plain = await cli(["health"], memoryProvider(complete), {
      stdoutIsTTY: true,
      env: { NO_COLOR: "1" },
    });
    expect(plain.stdout).not.toContain("\u001b[");
  });
});
