import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createLinkedProvider, runWithClosedStdout } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bundle = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const { version } = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../packages/cli/package.json", import.meta.url)), "utf8"),
);

let dir: string;

/** The copied bundle, run in `project` with only PATH and HOME (and `env`) set: exit code and output. */
function runIn(
  project: string,
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
) {
  const result = spawnSync(process.execPath, [path.join(dir, "secrets.cjs"), ...args], {
    cwd: project,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...options.env },
    input: options.input ?? "",
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The bundle alone in an empty directory, run with a minimal environment: no node_modules anywhere near it. */
function secrets(args: string[], env: Record<string, string> = {}, cwd = dir) {
  const result = spawnSync(process.execPath, ["secrets.cjs", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  expect(existsSync(bundle), "build apps/cli first").toBe(true);
  dir = mkdtempSync(path.join(tmpdir(), "secrets-bundle-"));
  copyFileSync(bundle, path.join(dir, "secrets.cjs"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the bundled CLI, alone in an empty directory", () => {
  it("is one self-contained file with a shebang", () => {
    expect(readdirSync(dir)).toEqual(["secrets.cjs"]);
    expect(readFileSync(bundle, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(statSync(bundle).mode & 0o111).not.toBe(0);
  });

  it("prints its version and help", () => {
    expect(secrets(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    const help = secrets(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("secrets init");
    expect(secrets(["export"]).stderr).toBe(
      "Error: Missing required argument: format (run 'secrets export --help' for usage)\n",
    );
  });

  it("initializes the built-in manifest into .env (mode 0600)", () => {
    const result = secrets(["init"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SECRET_KEY\s+created$/m);
    expect(result.stdout).toMatch(/^DATABASE_URL\s+set to the development default$/m);
    expect(statSync(path.join(dir, ".env")).mode & 0o777).toBe(0o600);
  });

  it("reports health: degraded (optional secrets missing) exits 0, or 3 with --strict", () => {
    const result = secrets(["health"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Status: degraded/m);
    expect(secrets(["health", "--strict"]).code).toBe(3);
    const json = JSON.parse(secrets(["health", "--json"]).stdout);
    expect(json.provider).toMatchObject({ name: "env", ok: true });
  });

  it("gets a generated value exactly, without a newline", () => {
    const result = secrets(["get", "SECRET_KEY"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads a project's secrets.yaml, rotates, exports and deletes with what it carries", () => {
    const project = mkdtempSync(path.join(dir, "project-"));
    copyFileSync(path.join(dir, "secrets.cjs"), path.join(project, "secrets.cjs"));
    writeFileSync(
      path.join(project, "secrets.yaml"),
      "version: 1\nsecrets:\n  API_TOKEN: { generate: { kind: base64url, length: 43 }, rotation: 30d }\n",
    );
    const inProject = (args: string[]) => secrets(args, {}, project);
    expect(inProject(["init"]).stdout).toMatch(/^API_TOKEN\s+created$/m);
    const before = inProject(["get", "API_TOKEN"]).stdout;
    expect(before).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rotated = inProject(["rotate"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = inProject(["get", "API_TOKEN"]).stdout;
    expect(after).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(after).not.toBe(before);
    expect(JSON.parse(inProject(["export", "--format", "json"]).stdout)).toEqual({ API_TOKEN: after });
    expect(inProject(["delete", "API_TOKEN", "--yes"]).code).toBe(0);
    expect(inProject(["health"]).code).toBe(1);
  });

  it("carries the vault and aws providers: without their settings it says what is missing", () => {
    const vault = secrets(["health"], { SECRET_PROVIDER: "vault" });
    expect(vault.code).toBe(2);
    expect(vault.stderr).toMatch(/^Error: Secret provider 'vault' not configured: .*VAULT_URL.*\n$/);
    const aws = secrets(["health"], {
      SECRET_PROVIDER: "aws",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
    expect(aws.code).toBe(2);
    expect(aws.stderr).toMatch(/^Error: Secret provider 'aws' not configured: .*AWS_REGION.*\n$/);
  });

  it("names the package to install for a provider it does not bundle", () => {
    const result = secrets(["health"], { SECRET_PROVIDER: "@acme/secrets-provider-nope" });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "Error: Secret provider '@acme/secrets-provider-nope' is not installed: run npm install @acme/secrets-provider-nope\n",
    );
  });
});

describe("the bundled CLI writing to a reader that went away", () => {
  /** The bundle with its stdout closed before it writes anything, or (`afterFirstChunk`) once it has begun. */
  const closed = (args: string[], cwd = dir, afterFirstChunk = false) =>
    runWithClosedStdout(process.execPath, [path.join(dir, "secrets.cjs"), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: dir },
      afterFirstChunk,
    });

  it("ends quietly with 141 (as if killed by SIGPIPE), no stack trace, on every output command", async () => {
    expect(secrets(["init"]).code).toBe(0);
    for (const args of [
      ["health"],
      ["health", "--json"],
      ["export", "--format", "env"],
      ["list", "--json"],
    ]) {
      const result = await closed(args);
      expect(result.code, args.join(" ")).toBe(141);
      expect(result.stderr, args.join(" ")).not.toMatch(/EPIPE|Error|\n\s+at /);
    }
  });

  it("the same when the reader goes away in the middle of a long export (`| head -c 1`)", async () => {
    const project = mkdtempSync(path.join(dir, "long-"));
    const lines = Array.from({ length: 20_000 }, (_, i) => `K${i}=${"x".repeat(100)}`);
    writeFileSync(path.join(project, ".env"), `${lines.join("\n")}\n`, { mode: 0o600 });
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await closed(["export", "--all", "--allow-missing", "--format", "env"], project, true);
      expect(result.code, result.stderr).toBe(141);
      expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
    }
  });
});

describe("the bundled CLI writing where no byte fits (> /dev/full)", () => {
  const ENOSPC_LINE = "Error: cannot write the output: no space left on the device (ENOSPC)\n";

  /** The bundle with its stdout opened on /dev/full, where every write fails with ENOSPC. */
  function ontoFull(args: string[], cwd: string) {
    const fd = openSync("/dev/full", "w");
    try {
      const result = spawnSync(process.execPath, [path.join(dir, "secrets.cjs"), ...args], {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOME: dir },
        stdio: ["ignore", fd, "pipe"],
        encoding: "utf8",
      });
      return { code: result.status, stderr: result.stderr };
    } finally {
      closeSync(fd);
    }
  }

  it("get, export, list, health and --version say so in one line and exit 1, the value never shown", () => {
    const project = mkdtempSync(path.join(dir, "full-"));
    const canary = "CANARYFULL5d0c3a9e71b24f6c";
    writeFileSync(path.join(project, ".env"), `A=${canary}\n`, { mode: 0o600 });
    writeFileSync(path.join(project, "secrets.yaml"), "version: 1\nsecrets:\n  A: {}\n");
    for (const args of [
      ["get", "A"],
      ["export", "--format", "env"],
      ["export", "--format", "json", "--all"],
      ["list"],
      ["list", "--json"],
      ["health"],
      ["--version"],
    ]) {
      const result = ontoFull(args, project);
      expect(result, args.join(" ")).toEqual({ code: 1, stderr: ENOSPC_LINE });
      expect(result.stderr).not.toContain(canary);
    }
  });
});

describe("the bundled CLI and a flag given a value other than true or false", () => {
  it("rotate --dry-run=yes, init --force --dry-run=1, health --strict=on: exit 2, one line, nothing changed", () => {
    const project = mkdtempSync(path.join(dir, "flags-"));
    writeFileSync(
      path.join(project, "secrets.yaml"),
      "version: 1\nsecrets:\n  K: { generate: hex }\n  OPT: { required: false }\n",
    );
    const run = (args: string[]) => runIn(project, args);
    expect(run(["init"]).code).toBe(0);
    const before = readFileSync(path.join(project, ".env"), "utf8");
    for (const [args, option, command] of [
      [["rotate", "--dry-run=yes"], "dry-run", "rotate"],
      [["init", "--force", "--dry-run=1"], "dry-run", "init"],
      [["health", "--strict=on"], "strict", "health"],
    ] as const) {
      expect(run([...args]), args.join(" ")).toEqual({
        code: 2,
        stdout: "",
        stderr: `Error: --${option} is a flag: give it alone, or as --${option}=true or --${option}=false (run 'secrets ${command} --help' for usage)\n`,
      });
    }
    expect(readFileSync(path.join(project, ".env"), "utf8")).toBe(before);
  });
});

describe("the bundled CLI exporting onto its own files", () => {
  it("export --output .env (or a link to it, or the manifest) is refused: exit 2, the file untouched", () => {
    const project = mkdtempSync(path.join(dir, "target-"));
    const store = "A=CANARYTARGET9f3e1c7b\nOTHER=CANARYKEEP4d2a8e6f\n";
    const manifest = "version: 1\nsecrets:\n  A: {}\n";
    writeFileSync(path.join(project, ".env"), store, { mode: 0o600 });
    writeFileSync(path.join(project, "secrets.yaml"), manifest);
    symlinkSync(".env", path.join(project, "link.env"));
    const run = (args: string[]) => runIn(project, args);
    for (const output of [".env", "link.env", "secrets.yaml"]) {
      const result = run(["export", "--format", "json", "--output", output]);
      expect(result.code, output).toBe(2);
      expect(result.stderr, output).toMatch(
        /^Error: Export refused: --output \S+ is the (env provider's own dotenv file|manifest) /,
      );
      expect(result.stderr.trim().split("\n"), output).toHaveLength(1);
      expect(result.stderr).not.toContain("CANARY");
    }
    expect(readFileSync(path.join(project, ".env"), "utf8")).toBe(store);
    expect(readFileSync(path.join(project, "secrets.yaml"), "utf8")).toBe(manifest);
  });
});

describe("the bundled CLI in a directory that was removed", () => {
  it("get, health, init, list, export and set say so in one line and exit 1, no stack trace", () => {
    const gone = path.join(dir, "gone");
    for (const args of [
      ["get", "A"],
      ["health"],
      ["init"],
      ["list"],
      ["export", "--format", "env"],
      ["set", "A"],
    ]) {
      mkdirSync(gone);
      const result = spawnSync("sh", ["-c", `rmdir "$GONE" && exec "$NODE" "$BUNDLE" "$@"`, "sh", ...args], {
        cwd: gone,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: dir,
          GONE: gone,
          NODE: process.execPath,
          BUNDLE: path.join(dir, "secrets.cjs"),
        },
        input: "x",
        encoding: "utf8",
      });
      expect({ code: result.status, stdout: result.stdout, stderr: result.stderr }, args.join(" ")).toEqual({
        code: 1,
        stdout: "",
        stderr: `Error: the current directory no longer exists: ${gone} (change to an existing directory and run the command again)\n`,
      });
    }
  });
});

describe("the bundled CLI's run when the environment cannot be passed", () => {
  it("a NUL byte: exit 126 naming the secret; too large (E2BIG): exit 126 naming the largest; never a value", () => {
    const project = mkdtempSync(path.join(dir, "run-env-"));
    writeFileSync(path.join(project, "secrets.yaml"), "version: 1\nsecrets:\n  A: {}\n");
    const run = (args: string[], input = "", env: Record<string, string> = {}) =>
      runIn(project, args, { input, env });
    const canary = "CANARYNULRUN6b1d9e2f";
    expect(run(["set", "A"], `${canary}\0`).code).toBe(0);
    for (const level of ["error", "debug"]) {
      const result = run(["run", "--", process.execPath, "-e", "0"], "", { LOG_LEVEL: level });
      expect(result.code, level).toBe(126);
      expect(result.stderr, level).toContain(
        "Error: Secret 'A' holds a NUL byte, which an environment variable cannot carry: the command was not started\n",
      );
      expect(result.stderr, level).not.toContain(canary);
      expect(result.stderr, level).not.toMatch(/Received|\n\s+at /);
    }
    if (process.platform !== "linux") return;
    const large = `CANARYLARGERUN${"x".repeat(200 * 1024)}`;
    expect(run(["set", "A"], large).code).toBe(0);
    const result = run(["run", "--", process.execPath, "-e", "0"]);
    expect(result).toEqual({
      code: 126,
      stdout: "",
      stderr: `Error: '${process.execPath}': cannot be executed: its environment is too large for the operating system (E2BIG); the largest secret in it is 'A' (pass fewer secrets with --only)\n`,
    });
  });
});

describe("the bundled CLI and -- before the arguments", () => {
  it("get -- A prints A; rotate -- K rotates K", () => {
    const project = mkdtempSync(path.join(dir, "option-end-"));
    writeFileSync(
      path.join(project, "secrets.yaml"),
      "version: 1\nsecrets:\n  A: {}\n  K: { generate: hex }\n",
    );
    writeFileSync(path.join(project, ".env"), "A=first\nK=old\n", { mode: 0o600 });
    const run = (args: string[]) => runIn(project, args);
    expect(run(["get", "--", "A"])).toEqual({ code: 0, stdout: "first", stderr: "" });
    expect(run(["rotate", "--", "K"]).code).toBe(0);
    expect(run(["get", "K"]).stdout).not.toBe("old");
    expect(run(["get", "A"]).stdout).toBe("first");
  });
});

describe("the bundled CLI's own output", () => {
  /**
   * A preload that notes, at exit, whether `process.stdout` or `process.stderr`
   * was ever created (their getters read) and whether `node:tty` was loaded.
   */
  function withRecorder(args: string[], stdio: "pipe" | "ignore", cwd = dir) {
    const record = path.join(cwd, `record-${process.hrtime.bigint()}.json`);
    const preload = path.join(cwd, "record-streams.cjs");
    writeFileSync(
      preload,
      `const seen = [];
for (const name of ["stdout", "stderr"]) {
  const own = Object.getOwnPropertyDescriptor(process, name);
  Object.defineProperty(process, name, { ...own, get() { seen.push(name); return own.get.call(process); } });
}
process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify({
  seen: [...new Set(seen)],
  tty: process.moduleLoadList.includes("NativeModule tty"),
})));
`,
    );
    const result = spawnSync(process.execPath, ["-r", preload, path.join(dir, "secrets.cjs"), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: dir },
      encoding: "utf8",
      stdio: stdio === "pipe" ? "pipe" : "ignore",
    });
    return {
      code: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      ...JSON.parse(readFileSync(record, "utf8")),
    };
  }

  it("is written straight to stdout and stderr: Node's streams for them are never made", () => {
    expect(secrets(["init"]).code).toBe(0);
    const get = withRecorder(["get", "SECRET_KEY"], "pipe");
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^[0-9a-f]{64}$/);
    const health = withRecorder(["health"], "pipe");
    expect(health.code).toBe(0);
    expect(health.stdout).toMatch(/^Status: degraded/m);
    expect(health.stderr).toMatch(/^Warning: secrets are degraded/);
    expect(withRecorder(["--version"], "pipe").stdout).toBe(`${version}\n`);
    for (const run of [get, health]) expect(run).toMatchObject({ seen: [], tty: false });
  });

  it("tells the null device from a terminal without loading node:tty", () => {
    const ignored = withRecorder(["health"], "ignore");
    expect(ignored).toMatchObject({ code: 0, seen: [], tty: false });
  });

  it("on a terminal: a newline after the value and coloured warnings", () => {
    // A pseudo-terminal from Python's pty module, which the tests' servers need anyway.
    const inTerminal = (args: string[]) =>
      spawnSync(
        "python3",
        [
          "-c",
          "import pty, sys; pty.spawn(sys.argv[1:])",
          process.execPath,
          path.join(dir, "secrets.cjs"),
          ...args,
        ],
        { cwd: dir, env: { PATH: process.env.PATH ?? "", HOME: dir, TERM: "dumb" }, encoding: "utf8" },
      );
    const value = secrets(["get", "SECRET_KEY"]).stdout;
    expect(inTerminal(["get", "SECRET_KEY"]).stdout).toBe(`${value}\r\n`);
    expect(inTerminal(["health"]).stdout).toContain("\u001b[33mWarning:\u001b[39m secrets are degraded");
  });

  it("a full non-blocking stdout (EAGAIN): Node's stream writes the rest as the reader takes it, whole and in order", async () => {
    const project = mkdtempSync(path.join(dir, "fifo-"));
    copyFileSync(path.join(dir, "secrets.cjs"), path.join(project, "secrets.cjs"));
    // About 400 KB of export, several times what a pipe holds.
    const lines = Array.from({ length: 4_000 }, (_, i) => `K${i}=${String(i).padStart(100, "x")}`);
    writeFileSync(path.join(project, ".env"), `${lines.join("\n")}\n`, { mode: 0o600 });
    const fifo = path.join(project, "out.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY);
    // Node starts a child with blocking standard streams; making `process.stdout` (as any
    // module may) turns the pipe non-blocking, so the CLI's writes meet EAGAIN once it is full.
    const preload = path.join(project, "make-stdout.cjs");
    writeFileSync(preload, "process.stdout;\n");
    const child = spawn(
      process.execPath,
      ["-r", preload, path.join(dir, "secrets.cjs"), "export", "--all", "--allow-missing", "--format", "env"],
      { cwd: project, env: { PATH: process.env.PATH ?? "", HOME: dir }, stdio: ["ignore", writer, "pipe"] },
    );
    closeSync(writer);
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // Let the CLI fill the pipe and meet EAGAIN before anything is read.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(65_536);
    for (;;) {
      let n: number;
      try {
        n = readSync(reader, buffer, 0, buffer.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    closeSync(reader);
    expect(await exited, stderr).toBe(0);
    const printed = Buffer.concat(chunks).toString("utf8");
    // Byte for byte what the same export writes to an ordinary pipe.
    const direct = secrets(["export", "--all", "--allow-missing", "--format", "env"], {}, project);
    expect(direct.code, direct.stderr).toBe(0);
    expect(printed.length).toBeGreaterThan(400_000);
    expect(printed).toBe(direct.stdout);
  });
});

describe("the bundled CLI with a third-party provider package from the working directory", () => {
  let projects: string;

  beforeAll(() => {
    projects = mkdtempSync(path.join(tmpdir(), "secrets-bundle-providers-"));
  });

  afterAll(() => {
    rmSync(projects, { recursive: true, force: true });
  });

  const get = (project: string, provider: string, args: string[] = []) => {
    const result = spawnSync(process.execPath, [...args, bundle, "get", "X"], {
      cwd: project,
      env: { PATH: process.env.PATH ?? "", HOME: projects, SECRET_PROVIDER: provider },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return [result.status, result.stdout, result.stderr];
  };

  it("loads a CommonJS provider installed through a symbolic link, with its own dependencies, over a pipe and with a preloaded module", () => {
    const project = createLinkedProvider(projects);
    const preload = path.join(projects, "preload.cjs");
    writeFileSync(preload, "// a preloaded module that does nothing\n");
    expect(get(project, "acme-provider")).toEqual([0, "from-acme:X", ""]);
    expect(get(project, "acme-provider", ["-r", preload])).toEqual([0, "from-acme:X", ""]);
  });

  it("loads an ES module provider", () => {
    const project = path.join(projects, "esm");
    const provider = path.join(project, "node_modules", "acme-esm-provider");
    mkdirSync(provider, { recursive: true });
    writeFileSync(
      path.join(provider, "package.json"),
      '{ "name": "acme-esm-provider", "type": "module", "exports": "./index.js" }',
    );
    writeFileSync(
      path.join(provider, "index.js"),
      'export function createProvider() { return { name: "acme-esm", async get(name) { return { value: "esm:" + name }; }, async set() {}, async delete() { return false; }, async check() {} }; }\n',
    );
    expect(get(project, "acme-esm-provider")).toEqual([0, "esm:X", ""]);
  });
});
