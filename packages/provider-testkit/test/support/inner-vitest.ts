import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RunnerTask, RunnerTestFile } from "vitest";
import { expect } from "vitest";
import { startVitest } from "vitest/node";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Outcome {
  passed: string[];
  failed: string[];
}

/** Run a fixture file in an inner vitest and sort its test results by the provider named in each suite. */
export async function runFixture(file: string): Promise<Map<string, Outcome>> {
  const exitCode = process.exitCode;
  const vitest = await startVitest("test", [], {
    root,
    config: false,
    include: [file],
    watch: false,
    reporters: [{}],
    testTimeout: 30_000,
  });
  const files: RunnerTestFile[] = vitest.state.getFiles();
  await vitest.close();
  process.exitCode = exitCode;

  const outcomes = new Map<string, Outcome>();
  const visit = (task: RunnerTask, provider: string | undefined, trail: string[]) => {
    const match = /^secret provider conformance: (.+)$/.exec(task.name);
    const owner = match ? match[1] : provider;
    const names = match ? [] : [...trail, task.name];
    if (task.type === "test" && owner) {
      const outcome = outcomes.get(owner) ?? { passed: [], failed: [] };
      const state = task.result?.state;
      if (state === "pass") outcome.passed.push(names.join(" > "));
      else outcome.failed.push(names.join(" > "));
      outcomes.set(owner, outcome);
    }
    if ("tasks" in task) for (const child of task.tasks) visit(child, owner, names);
  };
  for (const file of files) {
    expect(file.result?.errors ?? [], "the fixture must load").toEqual([]);
    for (const task of file.tasks) visit(task, undefined, []);
  }
  return outcomes;
}
