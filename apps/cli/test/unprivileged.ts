import { spawn } from "node:child_process";
import { chownSync } from "node:fs";

/*
 * Running the CLI as a user the file modes bind: root reads and writes
 * anything, so when the tests run as root the child runs as nobody; as any
 * other user it runs as that user, already unprivileged.
 */

export const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const user = asRoot ? { uid: NOBODY, gid: NOBODY } : {};

/** Hand `file` to the user the children run as (nothing to do unless the tests run as root). */
export function giveToUser(file: string): void {
  if (asRoot) chownSync(file, NOBODY, NOBODY);
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `file args` as that user in `cwd` with exactly `env`. `stdin` is written
 * and closed; without it the child has no standard input.
 */
export function runAsUser(
  file: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; stdin?: string },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      ...user,
    });
    let stdout = "";
    let stderr = "";
    // Both are pipes (see stdio above).
    (child.stdout as NodeJS.ReadableStream).setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    (child.stderr as NodeJS.ReadableStream).setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin?.end(options.stdin);
  });
}
