/**
 * A test server run as a child process: started with its output kept for error
 * messages, awaited until it answers, stopped and waited for.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

/** Spawn `file` with `env` over the current environment; `tail()` is the end of its output. */
export function launch(
  file: string,
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; tail: () => string } {
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  // Keep reading (a full pipe would stall the server) and keep the end for error messages.
  let last = "";
  const keep = (chunk: Buffer) => {
    last = (last + chunk.toString("utf8")).slice(-3000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, tail: () => last };
}

/** Resolves once `ready` does; rejects when the child exits or after 60 s, with the end of its output. */
export async function waitUntil(
  child: ChildProcess,
  tail: () => string,
  ready: () => Promise<boolean>,
): Promise<void> {
  let exited: string | undefined;
  const onExit = (code: number | null, signal: string | null) => {
    exited = `exited with ${signal ?? code}`;
  };
  child.once("exit", onExit);
  child.once("error", (error) => {
    exited = `failed to start: ${error.message}`;
  });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (exited) throw new Error(`${exited}; output ends with: ${tail()}`);
      try {
        if (await ready()) return;
      } catch {
        // not answering yet
      }
      if (Date.now() > deadline) throw new Error(`no answer within 60 s; output ends with: ${tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    child.off("exit", onExit);
  }
}

/** SIGTERM, SIGKILL after 10 s; resolves once the child has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
