import { SecretConfigError, type SecretProvider } from "@org/secrets-core";
import { afterAll, describe, expect, it } from "vitest";
import { hostileValues, runProviderConformance } from "../src/index.js";
import { MemoryProvider } from "../src/memory-provider.js";

const created: MemoryProvider[] = [];
const cleaned = new Set<SecretProvider>();
const namesSeen = new Set<string>();

class RecordingProvider extends MemoryProvider {
  override async set(...args: Parameters<MemoryProvider["set"]>) {
    namesSeen.add(args[0]);
    return super.set(...args);
  }
}

runProviderConformance({
  name: "memory",
  namePrefix: "TESTKIT_",
  create: ({ logger }) => {
    const provider = new RecordingProvider({ logger });
    created.push(provider);
    return provider;
  },
  cleanup: async (provider) => {
    cleaned.add(provider);
  },
});

describe("runProviderConformance itself", () => {
  it("refuses a name prefix that would make invalid secret names", () => {
    for (const namePrefix of ["1ABC", "has space", "dash-", "x".repeat(101)]) {
      expect(() =>
        runProviderConformance({ name: "x", namePrefix, create: () => new MemoryProvider() }),
      ).toThrow(SecretConfigError);
    }
  });

  it("refuses sensitive strings too short to look for without false alarms", () => {
    for (const sensitive of [
      ["short"],
      [""],
      [42 as unknown as string],
      "not-a-list-at-all" as unknown as string[],
    ]) {
      expect(() =>
        runProviderConformance({ name: "x", sensitive, create: () => new MemoryProvider() }),
      ).toThrow(SecretConfigError);
    }
  });

  it("exports hostile values that are distinct, labelled and non-empty", () => {
    expect(hostileValues.length).toBeGreaterThanOrEqual(30);
    expect(new Set(hostileValues.map((v) => v.label)).size).toBe(hostileValues.length);
    expect(new Set(hostileValues.map((v) => v.value)).size).toBe(hostileValues.length);
    for (const { value } of hostileValues) expect(value.length).toBeGreaterThan(0);
    expect(hostileValues.some((v) => v.value.length === 4096)).toBe(true);
    expect(Object.isFrozen(hostileValues)).toBe(true);
  });
});

afterAll(async () => {
  // Runs after the suite's own hooks: every provider was cleaned up and left empty.
  expect(created.length).toBeGreaterThan(5);
  expect(cleaned.size).toBe(created.length);
  for (const provider of created) expect(await provider.list()).toEqual([]);
  expect(namesSeen.size).toBeGreaterThan(50);
  // Every name starts with the prefix and the run's id; the error-echo check adds two names a manager would refuse.
  for (const name of namesSeen) expect(name).toMatch(/^TESTKIT_[0-9A-F]{8}_\d+(?:_WITH SPACE|_N{600})?$/);
});
