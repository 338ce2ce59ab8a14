import type { ProviderLoaders } from "@org/secrets-core";
import { errorLine, wantsJsonLines } from "./error-line.js";
import { EXIT } from "./exit-codes.js";
import { type CliIO, resolveIO, useColor } from "./io.js";
import { isClosedReader, outputFailureLine } from "./output-failure.js";
import { isVersionRequest, wantsJson } from "./tokens.js";
import { CLI_VERSION } from "./version.js";
import { workingDirectory } from "./working-directory.js";

export interface RunOptions {
  /**
   * Provider modules the host already carries, by short name (`env`, `vault`,
   * `aws`) or package name. A bundled CLI passes every provider it includes;
   * `env` is always available.
   */
  loaders?: ProviderLoaders | undefined;
}

/**
 * Run the `secrets` command line and resolve to its exit code. Never throws and
 * never exits the process: errors are printed as one line on `io.stderr`.
 * Anything left out of `io` is taken from the current process.
 *
 * `secrets --version` is answered here, before the parser, commands, core or
 * any provider are loaded.
 */
export async function run(
  argv: readonly string[],
  io: Partial<CliIO> = {},
  options: RunOptions = {},
): Promise<number> {
  if (io.cwd === undefined && !isVersionRequest(argv)) {
    const where = workingDirectory(io.env ?? process.env);
    if ("problem" in where) return noWorkingDirectory(argv, resolveIO(io), where.problem);
    io = { ...io, cwd: where.cwd };
  }
  const resolved = resolveIO(io);
  // The first write of each output that failed. A reader that went away
  // (`secrets health | head -1`) is not an error to report: the run ends
  // quietly with 141, as a program killed by SIGPIPE does. Any other failure
  // of stdout (a full disk, `> /dev/full`, an I/O error) leaves a truncated
  // result behind: it is said in one line on stderr and the run fails.
  let stdoutFailure: Error | undefined;
  let stderrFailure: Error | undefined;
  const onStdoutError = (error: Error) => {
    stdoutFailure ??= error;
  };
  const onStderrError = (error: Error) => {
    stderrFailure ??= error;
  };
  resolved.stdout.on("error", onStdoutError);
  resolved.stderr.on("error", onStderrError);
  try {
    const code = await runCommand(argv, resolved, options);
    // Let a failed write report itself before deciding.
    await new Promise((resolve) => setImmediate(resolve));
    if (isClosedReader(stdoutFailure) || isClosedReader(stderrFailure)) return EXIT.BROKEN_PIPE;
    if (stdoutFailure !== undefined) {
      resolved.stderr.write(
        outputFailureLine(stdoutFailure, {
          json: wantsJsonLines(resolved.env),
          color: useColor(resolved, "stderr"),
        }),
      );
      return code === EXIT.OK ? EXIT.FAILED : code;
    }
    return code;
  } finally {
    resolved.stdout.removeListener("error", onStdoutError);
    resolved.stderr.removeListener("error", onStderrError);
  }
}

/**
 * The working directory was removed: one line, exit 1 (with `--json`, the
 * failure as a JSON document on stdout too). Completion offers nothing and
 * says nothing, as always.
 */
function noWorkingDirectory(argv: readonly string[], io: CliIO, problem: string): number {
  if (argv[0] === "__complete") return EXIT.OK;
  const code = "NO_WORKING_DIRECTORY";
  if (wantsJson(argv))
    io.stdout.write(`${JSON.stringify({ ok: false, error: { code, message: problem } }, null, 2)}\n`);
  io.stderr.write(errorLine(problem, code, { json: wantsJsonLines(io.env), color: useColor(io, "stderr") }));
  return EXIT.FAILED;
}

async function runCommand(argv: readonly string[], resolved: CliIO, options: RunOptions): Promise<number> {
  if (isVersionRequest(argv)) {
    resolved.stdout.write(`${CLI_VERSION}\n`);
    return EXIT.OK;
  }
  try {
    const { main } = await import("./main.js");
    return await main(argv, resolved, options);
  } catch (error) {
    // Only reached when the command itself cannot be loaded: `main` prints every other error.
    resolved.stderr.write(`Error: the secrets command could not start${startFailure(error)}\n`);
    return EXIT.FAILED;
  }
}

/** An npm package name, and the package it belongs to (a subpath dropped). */
const PACKAGE_NAME = /^((?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*)(?:\/[A-Za-z0-9._~/-]*)?$/;

/**
 * Why the command could not be loaded, in words: most often a package it needs
 * is missing (the peer dependency on core was not installed), which Node names
 * in its message. Only a package name is taken from that message, never a path.
 */
function startFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
    const named = /Cannot find (?:package|module) '([^']{1,214})'/.exec(String((error as Error).message));
    const packageName = named?.[1] === undefined ? undefined : PACKAGE_NAME.exec(named[1])?.[1];
    if (packageName !== undefined)
      return `: the package ${packageName} is not installed (npm install ${packageName})`;
    return ": a file of @org/secrets-cli is missing (reinstall @org/secrets-cli)";
  }
  const name = error instanceof Error ? error.name.replace(/\s+/g, " ").slice(0, 80) : typeof error;
  return ` (${name})`;
}
