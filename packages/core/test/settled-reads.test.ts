import { describe, expect, it } from "vitest";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import {
  AuthenticationError,
  InvalidSecretValueError,
  SecretManager,
  type SecretRecord,
} from "../src/index.js";

/** A provider whose batch read fails when it includes an unreadable name, as AWS does for a binary secret. */
class OneBadName extends MemoryProvider {
  constructor(readonly bad: string) {
    super();
  }
  override async get(name: string, options = {}): Promise<SecretRecord | undefined> {
    if (name === this.bad) {
      this.calls.get++;
      throw new InvalidSecretValueError(undefined, { secret: name, reason: "it holds binary data" });
    }
    return super.get(name, options);
  }
  override async getMany(names: readonly string[]): Promise<Map<string, SecretRecord>> {
    if (names.includes(this.bad)) {
      this.calls.getMany++;
      throw new InvalidSecretValueError(undefined, { secret: this.bad, reason: "it holds binary data" });
    }
    return super.getMany(names);
  }
}

function seed(provider: MemoryProvider, ...names: string[]): void {
  for (const name of names) provider.seed(name, `value-of-${name}`);
}

describe("getSecretRecordsSettled", () => {
  it("is one batch read when nothing fails", async () => {
    const provider = new MemoryProvider();
    seed(provider, "A", "B");
    const manager = new SecretManager({ provider, cacheTtlMs: 0 });
    const settled = await manager.getSecretRecordsSettled(["A", "B", "C"]);
    expect([...settled.records.keys()].sort()).toEqual(["A", "B"]);
    expect(settled.errors.size).toBe(0);
    expect(settled.failure).toBeUndefined();
    expect(provider.calls).toMatchObject({ getMany: 1, get: 0 });
  });

  it("reads each name on its own after a failed batch, so one bad secret hides nothing", async () => {
    const provider = new OneBadName("BAD");
    seed(provider, "A", "B", "BAD");
    const manager = new SecretManager({ provider, cacheTtlMs: 0 });
    const settled = await manager.getSecretRecordsSettled(["A", "BAD", "B", "MISSING"]);
    expect(settled.records.get("A")?.value).toBe("value-of-A");
    expect(settled.records.get("B")?.value).toBe("value-of-B");
    expect(settled.records.has("MISSING")).toBe(false);
    expect([...settled.errors.keys()]).toEqual(["BAD"]);
    expect(settled.errors.get("BAD")?.code).toBe("INVALID_VALUE");
    expect(settled.failure).toBeUndefined();
    expect(provider.calls).toMatchObject({ getMany: 1, get: 4 });
  });

  it("does not ask again per name when the whole backend failed, and never rejects", async () => {
    const provider = new MemoryProvider();
    seed(provider, "A", "B");
    provider.failWith = new AuthenticationError(undefined, {
      provider: "memory",
      displayName: "Memory",
      reason: "token expired",
    });
    const manager = new SecretManager({ provider, cacheTtlMs: 0 });
    const settled = await manager.getSecretRecordsSettled(["A", "B"]);
    expect(settled.failure).toBeInstanceOf(AuthenticationError);
    expect(settled.records.size).toBe(0);
    expect(settled.errors.size).toBe(0);
    expect(provider.calls).toMatchObject({ getMany: 1, get: 0 });
  });

  it("reports the batch's error as the failure when every name fails on its own too", async () => {
    const provider = new OneBadName("ONLY");
    seed(provider, "ONLY");
    const manager = new SecretManager({ provider, cacheTtlMs: 0 });
    const settled = await manager.getSecretRecordsSettled(["ONLY"]);
    expect(settled.failure?.code).toBe("INVALID_VALUE");
    expect(settled.errors.get("ONLY")?.code).toBe("INVALID_VALUE");
  });
});
