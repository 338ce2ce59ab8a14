// A child Node process driven line by line, for tests that race processes over one file.

import { type ChildProcess, spawn } from "node:child_process";

/** A child that prints lines on stdout and reads lines on stdin; its stderr is the test's. */
export interface LineProcess {
  readonly child: ChildProcess;
  /** The next line the child prints, in order (waits for it). */
  nextLine(): Promise<string>;
  /** Resolves with the exit code (`null` when a signal ended it). */
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** `node script ...args`, ended by `killLineProcesses` if it is still running then. */
export function startLineProcess(script: string, args: readonly string[]): LineProcess {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  running.add(child);
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffered = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    buffered += chunk;
    for (let i = buffered.indexOf("\n"); i !== -1; i = buffered.indexOf("\n")) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      const resolve = waiting.shift();
      if (resolve) resolve(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    nextLine() {
      const line = lines.shift();
      return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** SIGKILL every process `startLineProcess` started that is still running (for `afterEach`). */
export function killLineProcesses(): void {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  running.clear();
}
