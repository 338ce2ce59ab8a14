import { describe, expect, it } from "vitest";
import { runFixture } from "./support/inner-vitest.js";

const MODES = ["provider", "manager, cache off", "manager, cache on"];

describe("the suite catches broken providers", () => {
  it("fails each deliberately broken provider on the test that covers its bug, and passes the correct one", async () => {
    const outcomes = await runFixture("test/fixtures/broken-providers.conformance.ts");
    const failed = (provider: string) => outcomes.get(provider)?.failed ?? [];
    const inEveryMode = (test: string) => MODES.map((mode) => `through the ${mode} > ${test}`);

    expect([...outcomes.keys()].sort()).toEqual([
      "batch-returns-missing",
      "correct",
      "declares-batch-read",
      "delete-always-true",
      "echoes-values",
      "forgets-metadata",
      "logs-values",
      "racy-check-and-set",
      "throws-when-missing",
      "trims-values",
    ]);
    const correct = outcomes.get("correct");
    expect(correct?.failed).toEqual([]);
    expect(correct?.passed.length).toBeGreaterThan(100);

    // Trimming breaks exactly the hostile values with whitespace at either end, in every mode.
    expect([...failed("trims-values")].sort()).toEqual(
      [
        "a trailing newline",
        "a PEM block",
        "leading spaces",
        "trailing spaces",
        "tabs at both ends",
        "only spaces",
      ]
        .flatMap((label) => inEveryMode(`hostile values round-trip byte-for-byte > ${label}`))
        .sort(),
    );
    expect(failed("throws-when-missing")).toEqual(
      expect.arrayContaining([
        ...inEveryMode("get of a missing name resolves undefined, not an error"),
        ...inEveryMode("delete returns true, then false; get afterwards resolves undefined"),
      ]),
    );
    expect(failed("delete-always-true")).toEqual(
      inEveryMode("delete returns true, then false; get afterwards resolves undefined"),
    );
    expect(failed("declares-batch-read")).toEqual([
      "shape > announces capabilities as an object of booleans; batch reads and listing by having the methods",
    ]);
    expect(failed("batch-returns-missing")).toEqual(
      inEveryMode(
        "capability: batchRead > getMany with present and missing names returns exactly the present ones",
      ),
    );
    expect(failed("racy-check-and-set")).toEqual(
      inEveryMode("capability: checkAndSet > 8 concurrent ifAbsent creates of one name: exactly one wins"),
    );
    expect(failed("logs-values")).toEqual([
      "canary > a secret value appears in no log line or error message, even at debug level",
    ]);
    expect(failed("echoes-values")).toEqual([
      "errors echo no value > errors provoked around a canary value carry it nowhere: message, stack, JSON, inspect, cause chain",
    ]);
    expect(failed("forgets-metadata")).toEqual(
      inEveryMode(
        "capability: metadata > metadata written with a value comes back, with updatedAt as a Date",
      ),
    );
  }, 120_000);
});
