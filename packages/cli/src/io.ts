import { processOutput } from "./process-output.js";

/** A readable the CLI reads values and answers from; a terminal also offers `setRawMode`. */
export interface CliInput extends NodeJS.ReadableStream {
  isTTY?: boolean | undefined;
  setRawMode?(mode: boolean): unknown;
}

/** A writable the CLI prints to; a terminal also reports its width. */
export interface CliOutput extends NodeJS.WritableStream {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** Everything the CLI touches in the outside world, so tests can run it in-process. */
export interface CliIO {
  stdin: CliInput;
  stdout: CliOutput;
  stderr: CliOutput;
  /** The environment the command sees (never mutated). */
  env: Readonly<Record<string, string | undefined>>;
  /** The project directory: manifests, `.env` and relative paths are resolved from here. */
  cwd: string;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

/**
 * Fill in what the caller left out from the current process. The process's
 * stdin is taken only when a command reads it (`set`, `delete`'s question,
 * `run`): creating it loads Node's stream machinery, which `get` never needs.
 * Its stdout and stderr are written through their file descriptors unless
 * Node's streams for them were made (the package's entry makes them up front;
 * see process-output.ts), and whether each is a terminal is found out when a
 * command first asks.
 */
export function resolveIO(io: Partial<CliIO> = {}): CliIO {
  const stdout = io.stdout ?? (processOutput(1) as unknown as CliOutput);
  const stderr = io.stderr ?? (processOutput(2) as unknown as CliOutput);
  let stdin = io.stdin;
  let stdinIsTTY = io.stdinIsTTY;
  let stdoutIsTTY = io.stdoutIsTTY;
  let stderrIsTTY = io.stderrIsTTY;
  let cwd = io.cwd;
  return {
    get stdin() {
      stdin ??= process.stdin as CliInput;
      return stdin;
    },
    get stdinIsTTY() {
      stdinIsTTY ??= this.stdin.isTTY === true;
      return stdinIsTTY;
    },
    stdout,
    stderr,
    env: io.env ?? process.env,
    // Asked when first needed: `--version` works in a directory that was removed (see run.ts).
    get cwd() {
      cwd ??= process.cwd();
      return cwd;
    },
    get stdoutIsTTY() {
      stdoutIsTTY ??= stdout.isTTY === true;
      return stdoutIsTTY;
    },
    get stderrIsTTY() {
      stderrIsTTY ??= stderr.isTTY === true;
      return stderrIsTTY;
    },
  };
}

/**
 * Whether to colour a stream. `FORCE_COLOR` decides when set: `0` or `false`
 * never, anything else (also empty) always, terminal or not. Otherwise never
 * when `NO_COLOR` is set to anything non-empty, else only on a terminal.
 * (`FORCE_COLOR` wins over `NO_COLOR`, as in Node.js itself.)
 */
export function useColor(io: CliIO, stream: "stdout" | "stderr" = "stdout"): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return !["0", "false"].includes(force.trim().toLowerCase());
  const noColor = io.env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  return stream === "stdout" ? io.stdoutIsTTY : io.stderrIsTTY;
}
