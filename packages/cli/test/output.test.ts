import { describe, expect, it } from "vitest";
import { failedWords, PLAIN, sharedFailureLines, sharedFailures } from "../src/output.js";

describe("failure reasons of init and rotate", () => {
  const lock = "Cannot lock /app/.env: permission denied";
  const outcomes = [
    { action: "failed", code: "ACCESS_DENIED", message: lock },
    { action: "created" },
    { action: "failed", code: "ACCESS_DENIED", message: lock },
    { action: "failed", code: "INVALID_VALUE", message: "Secret 'B' is larger than the provider allows" },
    { action: "failed", code: "ACCESS_DENIED", message: lock },
    { action: "failed" },
    { action: "failed" },
    // A message on an outcome that did not fail is not a failure's reason.
    { action: "skipped", message: lock },
  ];

  it("gives a reason that several secrets share once, with how many it stopped", () => {
    const shared = sharedFailures(outcomes);
    expect([...shared]).toEqual([[lock, 3]]);
    expect(sharedFailureLines(shared)).toEqual([`3 secrets failed: ${lock}`]);
  });

  it("leaves the shared reason off each line, and keeps a reason of its own on it", () => {
    const shared = sharedFailures(outcomes);
    expect(outcomes.filter((o) => o.action === "failed").map((o) => failedWords(o, shared, PLAIN))).toEqual([
      "failed (ACCESS_DENIED)",
      "failed (ACCESS_DENIED)",
      "failed (INVALID_VALUE): Secret 'B' is larger than the provider allows",
      "failed (ACCESS_DENIED)",
      "failed: the write failed",
      "failed: the write failed",
    ]);
  });

  it("shares nothing when every failure has a reason of its own", () => {
    const shared = sharedFailures([
      { action: "failed", code: "A", message: "one" },
      { action: "failed", code: "B", message: "two" },
    ]);
    expect(shared.size).toBe(0);
    expect(sharedFailureLines(shared)).toEqual([]);
    expect(failedWords({ action: "failed", code: "A", message: "one" }, shared, PLAIN)).toBe(
      "failed (A): one",
    );
  });
});
