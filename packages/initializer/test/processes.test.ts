import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createEnvProvider } from "@org/secrets-provider-env";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, "fixtures", "init-process.mjs");
const children = new Set<ChildProcess>();

beforeAll(() => {
  if (!existsSync(path.resolve(here, "../dist/index.js")))
    throw new Error("Build the package first (pnpm build): the child processes use dist/");
});
afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
});

function start(file: string, count: number) {
  const child = spawn(process.execPath, [script, file, String(count)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.add(child);
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
  const nextLine = () => {
    const line = lines.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise<string>((r) => waiting.push(r));
  };
  return { child, exited, nextLine };
}

describe("16 processes running init over one dotenv file at once", () => {
  it("create each of 300 secrets exactly once; every other process finds or adopts it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "initializer-processes-"));
    try {
      const file = path.join(dir, ".env");
      const count = 300;
      const runs = Array.from({ length: 16 }, () => start(file, count));
      for (const run of runs) expect(await run.nextLine()).toBe("ready");
      for (const run of runs) run.child.stdin?.write("go\n");
      const outcomes = await Promise.all(
        runs.map(
          async (run) => JSON.parse(await run.nextLine()) as { ok: boolean; actions: Record<string, string> },
        ),
      );
      expect(await Promise.all(runs.map((run) => run.exited))).toEqual(runs.map(() => 0));
      for (const outcome of outcomes) expect(outcome.ok).toBe(true);
      const text = await readFile(file, "utf8");
      const reader = createEnvProvider({ path: file, env: {} });
      expect(await reader.list()).toHaveLength(count);
      for (let i = 0; i < count; i++) {
        const name = `S_${i}`;
        const actions = outcomes.map((o) => o.actions[name]);
        expect(
          actions.filter((a) => a === "created"),
          name,
        ).toHaveLength(1);
        expect(
          actions.every((a) => a === "created" || a === "adopted" || a === "exists"),
          name,
        ).toBe(true);
        expect(text.match(new RegExp(`^${name}=`, "gm")), name).toHaveLength(1);
      }
      expect((await readdir(dir)).sort()).toEqual([".env"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
