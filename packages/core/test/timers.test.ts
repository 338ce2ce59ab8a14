import { describe, expect, it } from "vitest";
import { MAX_TIMEOUT_MS, sleep, timerDelay } from "../src/provider.js";

// Node fires a timer of more than 2^31 - 1 ms after 1 ms: every wait is held to that bound.
describe("waits longer than a timer holds", () => {
  it("timerDelay shortens them to the bound, and makes anything else 0", () => {
    expect(MAX_TIMEOUT_MS).toBe(2 ** 31 - 1);
    expect(timerDelay(2 ** 31 + 5)).toBe(MAX_TIMEOUT_MS);
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMEOUT_MS);
    expect(timerDelay(1_500)).toBe(1_500);
    expect(timerDelay(-1)).toBe(0);
    expect(timerDelay(Number.NaN)).toBe(0);
  });

  it("sleep of longer than the bound still waits, until aborted", async () => {
    const controller = new AbortController();
    let woke = false;
    const waiting = sleep(2 ** 31 + 5, controller.signal).then(() => {
      woke = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(woke).toBe(false);
    controller.abort();
    await waiting;
    expect(woke).toBe(true);
  });
});
