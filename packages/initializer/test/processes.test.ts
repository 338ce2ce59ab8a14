import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createEnvProvider } from "@org/secrets-provider-env";
import { killLineProcesses, type LineProcess, startLineProcess } from "@org/secrets-test-support";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, "fixtures", "init-process.mjs");

beforeAll(() => {
  if (!existsSync(path.resolve(here, "../dist/index.js")))
    throw new Error("Build the package first (pnpm build): the child processes use dist/");
});
afterEach(killLineProcesses);

function start(file: string, count: number): LineProcess {
  return startLineProcess(script, [file, String(count)]);
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
