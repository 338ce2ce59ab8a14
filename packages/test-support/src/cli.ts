/**
 * Running the built `secrets` CLI as a child process, the way users run it:
 * with an environment, standard input, and a working directory in which
 * provider packages resolve.
 */
import { spawn } from "node:child_process";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "./tools.js";

export interface CliResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The run was killed at `timeoutMs`. */
  readonly timedOut: boolean;
}

export interface RunProcessOptions {
  /** The whole environment of the child (only PATH is added); nothing leaks in from the test process. */
  env?: Record<string, string>;
  /** Written to standard input, then closed (default: empty). */
  stdin?: string | Buffer;
  cwd?: string;
  /** Kill the child after this long (default 60 s) and report `timedOut`. */
  timeoutMs?: number;
  /** Run the child as this user and group (switching needs the tests to run as root); default: the tests' own. */
  user?: { readonly uid: number; readonly gid: number } | undefined;
}

export interface RunCliOptions extends RunProcessOptions {
  /** The script (default: the `secrets` executable packages/cli declares). */
  bin?: string;
}

/** The `secrets` executable as packages/cli declares it (`bin.secrets`); throws when the CLI has not been built. */
export function cliBin(): string {
  const dir = path.join(repoRoot(), "packages", "cli");
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
    bin: { secrets: string };
  };
  const bin = path.join(dir, manifest.bin.secrets);
  if (!existsSync(bin)) throw new Error(`the CLI is not built: ${bin} is missing (run pnpm build)`);
  return bin;
}

export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, [options.bin ?? cliBin(), ...args], options);
}

/** Runs `command args` to its end, as `runCli` runs the CLI: its exit, its output as text. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
      ...options.user,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 60_000);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
      });
    });
    // A child that exits before reading its input closes the pipe: not an error here.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin ?? "");
  });
}

/** Run `tasks` with at most `limit` in flight; results in the order of `tasks`. */
export interface ClosedReaderOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Close stdout once the first output arrived (`| head -c 1`), not before anything is written. */
  readonly afterFirstChunk?: boolean;
}

/**
 * Runs `command` with a reader that goes away: its stdout is closed before it
 * writes anything, or after its first chunk. Its exit code and what it wrote
 * on stderr, for checking that a broken pipe ends it quietly.
 */
export function runWithClosedStdout(
  command: string,
  args: readonly string[],
  options: ClosedReaderOptions,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (options.afterFirstChunk) child.stdout.once("data", () => child.stdout.destroy());
    else child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export interface CliProject {
  readonly dir: string;
  remove(): Promise<void>;
}

/**
 * A temporary project folder in which the CLI resolves the given workspace
 * packages (`@org/secrets-provider-vault`…) from `node_modules`, linked to
 * where they are installed for the calling package.
 */
export async function createCliProject(packages: readonly string[], from: string): Promise<CliProject> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "secrets-cli-project-"));
  const require = createRequire(path.join(from, "package.json"));
  for (const name of packages) {
    const manifest = require.resolve(`${name}/package.json`);
    const link = path.join(dir, "node_modules", ...name.split("/"));
    await fs.mkdir(path.dirname(link), { recursive: true });
    await fs.symlink(path.dirname(manifest), link, "dir");
  }
  await fs.writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "cli-project", private: true }));
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}
