import type * as ChildProcess from "node:child_process";
import type { CliIO } from "./io.js";
import { processOutput, writableOf } from "./process-output.js";

/** The signals `secrets run` passes on to the command it started. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export type ChildOutcome =
  | { readonly kind: "exited"; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | {
      readonly kind: "not-started";
      readonly reason: "not-found" | "not-executable" | "environment-too-large" | "failed";
      readonly code: string;
    };

/**
 * Start `file` with `args` directly (no shell) in `env`, wait for it to end,
 * and pass SIGINT, SIGTERM and SIGHUP received meanwhile on to it. Standard
 * streams are the process's own when `io` holds them, else piped to `io`'s.
 */
export function runChild(
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  io: CliIO,
): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const own =
      io.stdin === process.stdin &&
      (io.stdout as unknown) === processOutput(1) &&
      (io.stderr as unknown) === processOutput(2);
    // Taken here, not imported: the executable holds every command in one file, and
    // `node:child_process` (with `net` and Node's streams) costs every other command.
    const { spawn } = process.getBuiltinModule("node:child_process") as typeof ChildProcess;
    let child: ChildProcess.ChildProcess;
    try {
      child = spawn(file, [...args], {
        cwd: io.cwd,
        env,
        stdio: own ? "inherit" : "pipe",
        windowsHide: true,
      });
    } catch (error) {
      // Thrown before anything started: an environment too large for the OS (E2BIG), or an
      // argument or variable Node refuses. Node's message may quote the environment, values
      // included, so only the code is kept: the error itself goes no further.
      resolve({ kind: "not-started", ...startFailure(error) });
      return;
    }
    const forward = (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const handlers = FORWARDED_SIGNALS.map((signal) => {
      const handler = () => forward(signal);
      process.on(signal, handler);
      return [signal, handler] as const;
    });
    let settled = false;
    const finish = (outcome: ChildOutcome) => {
      if (settled) return;
      settled = true;
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
      resolve(outcome);
    };
    if (!own) {
      child.stdout?.pipe(writableOf(io.stdout), { end: false });
      child.stderr?.pipe(writableOf(io.stderr), { end: false });
      child.stdin?.on("error", () => undefined);
      if (child.stdin) io.stdin.pipe(child.stdin);
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      // Only a failure to start: once the child runs, errors here are about signalling it.
      if (child.pid !== undefined) return;
      finish({ kind: "not-started", ...startFailure(error) });
    });
    child.on("close", (code, signal) => finish({ kind: "exited", code, signal }));
  });
}

/** Why a command did not start, from its error's code alone (never its message). */
function startFailure(error: unknown): {
  reason: Extract<ChildOutcome, { kind: "not-started" }>["reason"];
  code: string;
} {
  const raw = (error as { code?: unknown } | null)?.code;
  const code = typeof raw === "string" && /^[A-Z0-9_]{1,40}$/.test(raw) ? raw : "UNKNOWN";
  switch (code) {
    case "ENOENT":
      return { reason: "not-found", code };
    case "EACCES":
    case "EISDIR":
    case "ENOEXEC":
      return { reason: "not-executable", code };
    case "E2BIG":
      return { reason: "environment-too-large", code };
    default:
      return { reason: "failed", code };
  }
}
