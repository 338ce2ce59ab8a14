import { describe, expect, it } from "vitest";
import { runFixture } from "./support/inner-vitest.js";

describe("each group on its own", () => {
  it("runs the same tests as the whole suite, and a capability group fails on a provider without the capability", async () => {
    const outcomes = await runFixture("test/fixtures/groups.conformance.ts");
    const all = outcomes.get("all");
    expect(all?.failed).toEqual([]);
    expect(all?.passed.length).toBeGreaterThan(100);

    const fromGroups: string[] = [];
    for (const [owner, outcome] of outcomes) {
      if (!owner.startsWith("group ")) continue;
      expect(outcome.failed, owner).toEqual([]);
      expect(outcome.passed.length, owner).toBeGreaterThan(0);
      fromGroups.push(...outcome.passed);
    }
    expect(fromGroups.sort()).toEqual([...(all?.passed ?? [])].sort());

    for (const capability of ["batchRead", "list", "checkAndSet", "versions", "metadata"])
      expect(outcomes.get(`bare ${capability}`), capability).toEqual({
        passed: [],
        failed: [`capability: ${capability} is required by this group`],
      });
  }, 120_000);
});
