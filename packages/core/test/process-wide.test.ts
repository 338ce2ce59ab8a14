import { describe, expect, it } from "vitest";
import { processWide } from "../src/process-wide.js";

const SLOTS = Symbol.for("@org/secrets-core");
type Slot = { version: number; value: object };
const slots = () =>
  (globalThis as unknown as Record<symbol, Record<string, Slot>>)[SLOTS] as Record<string, Slot>;

describe("process-wide state", () => {
  it("is made once per name and version, and found again by every later caller", () => {
    let made = 0;
    const create = () => ({ n: ++made });
    const first = processWide("test-shared", 1, create);
    expect(processWide("test-shared", 1, create)).toBe(first);
    expect(made).toBe(1);
    expect(slots()["test-shared"]).toEqual({ version: 1, value: first });
  });

  it("leaves a slot of another version alone and keeps a state of its own", () => {
    const theirs = { shape: "another copy's" };
    slots()["test-versioned"] = { version: 7, value: theirs };
    const mine = processWide("test-versioned", 2, () => ({ shape: "ours" }));
    expect(mine).toEqual({ shape: "ours" });
    // The same own state every time, and the other copy's slot untouched.
    expect(processWide("test-versioned", 2, () => ({ shape: "again" }))).toBe(mine);
    expect(slots()["test-versioned"]).toEqual({ version: 7, value: theirs });
    expect(processWide("test-versioned", 7, () => ({}))).toBe(theirs);
  });
});
