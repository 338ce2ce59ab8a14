import * as byName from "@org/secrets-core";
import * as providerKit from "@org/secrets-core/provider";
import { describe, expect, it } from "vitest";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import * as source from "../src/index.js";
import * as providerSource from "../src/provider.js";

describe("core's tests hold one copy of core", () => {
  it("resolves core's package names to this source, so the testkit's memory provider throws this core's errors", async () => {
    expect(byName.SecretConflictError).toBe(source.SecretConflictError);
    expect(providerKit.SecretConflictError).toBe(providerSource.SecretConflictError);
    expect(providerKit.silentLogger).toBe(source.silentLogger);
    const provider = new MemoryProvider();
    await provider.set("A", "first");
    const error = await provider.set("A", "second", { ifAbsent: true }).catch((e: unknown) => e);
    expect(Object.getPrototypeOf(error)).toBe(source.SecretConflictError.prototype);
  });
});
