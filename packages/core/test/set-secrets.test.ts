import { describe, expect, it } from "vitest";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import {
  InvalidSecretNameError,
  InvalidSecretValueError,
  type ProviderCapabilities,
  ProviderInvalidError,
  SecretConfigError,
  SecretConflictError,
  SecretError,
  SecretManager,
  SecretTimeoutError,
  type WriteEntry,
  type WriteManyOptions,
} from "../src/index.js";
import type { WriteManyResult, WriteOptions } from "../src/provider.js";

/** The memory provider with `setMany`, whose whole answer a test can replace (to misbehave). */
class BatchProvider extends MemoryProvider {
  answer: ((entries: readonly WriteEntry[], options: WriteManyOptions) => Promise<unknown>) | undefined;

  constructor(capabilities: Partial<ProviderCapabilities> = {}) {
    super({ capabilities, methods: { setMany: true } });
  }

  override async setMany(
    entries: readonly WriteEntry[],
    options: WriteManyOptions = {},
  ): Promise<WriteManyResult> {
    if (!this.answer) return super.setMany(entries, options);
    this.batches.push([...entries]);
    return (await this.answer(entries, options)) as WriteManyResult;
  }
}

const entries = (count: number, options?: WriteEntry["options"]): WriteEntry[] =>
  Array.from({ length: count }, (_, i) => ({
    name: `S_${i}`,
    value: `value-number-${i}`,
    ...(options ? { options } : {}),
  }));

describe("setSecrets with a provider that has setMany", () => {
  it("writes 1,000 secrets in one setMany call and reports each by name, in order", async () => {
    const provider = new BatchProvider();
    const manager = new SecretManager({ provider });
    const results = await manager.setSecrets(entries(1000, { metadata: { owner: "init" } }));
    expect(provider.batches).toHaveLength(1);
    expect(provider.batches[0]).toHaveLength(1000);
    expect(provider.calls.set).toBe(0);
    expect([...results.keys()]).toEqual(entries(1000).map((e) => e.name));
    expect(results.get("S_999")).toEqual({ version: "1" });
    expect(provider.data.get("S_5")?.at(-1)).toMatchObject({
      value: "value-number-5",
      metadata: { owner: "init" },
    });
  });

  it("reports a conflict for the one entry that exists and writes the others", async () => {
    const provider = new BatchProvider();
    await provider.set("S_1", "already-there");
    const manager = new SecretManager({ provider });
    const results = await manager.setSecrets(entries(3, { ifAbsent: true }));
    expect(provider.batches).toHaveLength(1);
    expect(results.get("S_1")).toBeInstanceOf(SecretConflictError);
    expect((results.get("S_1") as SecretConflictError).secret).toBe("S_1");
    expect(results.get("S_0")).toEqual({ version: "1" });
    expect(results.get("S_2")).toEqual({ version: "1" });
    expect(provider.data.get("S_1")?.map((r) => r.value)).toEqual(["already-there"]);
  });

  it("drops the cached value of every name written", async () => {
    const provider = new BatchProvider();
    const manager = new SecretManager({ provider, cacheTtlMs: 60_000 });
    expect(await manager.getSecrets(["S_0", "S_1"])).toEqual(new Map());
    await manager.setSecrets(entries(2));
    const reads = provider.calls.getMany;
    expect(await manager.getSecret("S_0")).toBe("value-number-0");
    expect(await manager.getSecret("S_1")).toBe("value-number-1");
    expect(provider.calls.get + provider.calls.getMany - reads).toBe(2);
  });

  it("gives every entry the error of a failed call, scrubbed and naming the entry", async () => {
    const provider = new BatchProvider();
    provider.failWith = new Error("backend echoed value-number-1 back");
    const manager = new SecretManager({ provider });
    const results = await manager.setSecrets(entries(2));
    for (const name of ["S_0", "S_1"]) {
      const error = results.get(name) as SecretError;
      expect(error).toBeInstanceOf(SecretError);
      expect(error.message).toContain(`'${name}'`);
      expect(error.message).not.toContain("value-number-1");
      expect(JSON.stringify(error)).not.toContain("value-number-1");
    }
  });

  it("refuses a provider answer that is not a Map, or that leaves an entry out", async () => {
    const provider = new BatchProvider();
    const manager = new SecretManager({ provider });
    provider.answer = async () => [["S_0", {}]];
    let results = await manager.setSecrets(entries(2));
    expect(results.get("S_0")).toBeInstanceOf(ProviderInvalidError);
    expect(results.get("S_1")).toBeInstanceOf(ProviderInvalidError);
    provider.answer = async () => new Map([["S_0", { version: "7" }]]);
    results = await manager.setSecrets(entries(2));
    expect(results.get("S_0")).toEqual({ version: "7" });
    expect(results.get("S_1")).toBeInstanceOf(ProviderInvalidError);
    expect((results.get("S_1") as Error).message).toContain("'S_1'");
  });

  it("reads a version the provider computes on demand only when the caller asks for it", async () => {
    const provider = new BatchProvider();
    const manager = new SecretManager({ provider });
    let computed = 0;
    const onDemand = (version: unknown) => ({
      get version() {
        computed++;
        return version;
      },
    });
    provider.answer = async () =>
      new Map([
        ["S_0", onDemand("v0")],
        ["S_1", onDemand(42)],
      ]);
    const results = await manager.setSecrets(entries(2));
    expect(computed).toBe(0);
    expect(results.get("S_0")).toEqual({ version: "v0" });
    expect(computed).toBe(1);
    // Not a string: no version, as for a provider that answers one eagerly.
    expect((results.get("S_1") as { version?: string }).version).toBeUndefined();
    expect((results.get("S_0") as { version?: string }).version).toBe("v0");
    expect(computed).toBe(2);
  });

  it("passes metadata only to a provider with the metadata capability", async () => {
    const provider = new BatchProvider({ metadata: false });
    const manager = new SecretManager({ provider });
    await manager.setSecrets(entries(2, { metadata: { owner: "x" } }));
    expect(provider.batches[0]?.every((e) => e.options?.metadata === undefined)).toBe(true);
  });
});

describe("setSecrets validation", () => {
  it("refuses an invalid or repeated name before anything is sent", async () => {
    const provider = new BatchProvider();
    const manager = new SecretManager({ provider });
    const bad = await manager
      .setSecrets([...entries(2), { name: "not a name", value: "x" }])
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidSecretNameError);
    const repeated = await manager
      .setSecrets([...entries(2), { name: "S_0", value: "again" }])
      .catch((e: unknown) => e);
    expect(repeated).toBeInstanceOf(SecretConfigError);
    expect((repeated as Error).message).toContain("'S_0'");
    expect(provider.batches).toHaveLength(0);
    expect(provider.data.size).toBe(0);
  });

  it("fails only the entry whose value is not well-formed or too large, never sending it", async () => {
    const provider = Object.assign(new BatchProvider(), { maxValueBytes: 16 });
    const manager = new SecretManager({ provider });
    const results = await manager.setSecrets([
      { name: "GOOD", value: "fine" },
      { name: "ALSO_GOOD", value: "fine too" },
      { name: "LONE", value: "a\ud800b" },
      { name: "BIG", value: "x".repeat(17) },
      { name: "WIDE", value: "é".repeat(9) },
    ]);
    expect(results.get("GOOD")).toEqual({ version: "1" });
    for (const name of ["LONE", "BIG", "WIDE"]) {
      expect(results.get(name)).toBeInstanceOf(InvalidSecretValueError);
      expect(provider.data.has(name)).toBe(false);
    }
    expect(provider.batches).toHaveLength(1);
    expect(provider.batches[0]?.map((e) => e.name)).toEqual(["GOOD", "ALSO_GOOD"]);
  });
});

describe("setSecrets deadline and abort", () => {
  it("ends a setMany call that never answers at the one deadline, every entry a timeout", async () => {
    const provider = new BatchProvider();
    let aborted = 0;
    provider.answer = (_entries, { signal }) =>
      new Promise((_, reject) =>
        signal?.addEventListener("abort", () => {
          aborted++;
          reject(signal.reason);
        }),
      );
    const manager = new SecretManager({ provider, timeoutMs: 50 });
    const results = await manager.setSecrets(entries(20));
    expect(provider.batches).toHaveLength(1);
    expect(aborted).toBe(1);
    for (const outcome of results.values()) {
      expect(outcome).toBeInstanceOf(SecretTimeoutError);
      expect((outcome as Error).message).toContain("set of 20 secrets");
    }
  });

  it("rejects with the caller's abort reason", async () => {
    const provider = new BatchProvider();
    provider.answer = () => new Promise(() => {});
    const manager = new SecretManager({ provider, timeoutMs: 60_000 });
    const controller = new AbortController();
    const reason = new Error("stop");
    const pending = manager.setSecrets(entries(3), { signal: controller.signal });
    controller.abort(reason);
    expect(await pending.catch((e: unknown) => e)).toBe(reason);
  });
});

describe("setSecrets without setMany", () => {
  const capabilities: Partial<ProviderCapabilities> = {};

  it("writes each secret on its own, at most `concurrency` at once, with the same outcomes", async () => {
    const provider = new MemoryProvider({ capabilities });
    await provider.set("S_3", "already-there");
    let inFlight = 0;
    let most = 0;
    const set = provider.set.bind(provider);
    provider.set = async (name: string, value: string, options?: WriteOptions) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight--;
      return set(name, value, options);
    };
    const manager = new SecretManager({ provider, concurrency: 3 });
    const results = await manager.setSecrets(entries(12, { ifAbsent: true }));
    expect(provider.calls.set).toBe(1 + 12);
    expect(most).toBe(3);
    expect(results.get("S_3")).toBeInstanceOf(SecretConflictError);
    expect([...results.values()].filter((r) => !(r instanceof Error))).toHaveLength(11);
    expect([...results.keys()]).toEqual(entries(12).map((e) => e.name));
  });

  it("uses single writes (which look first) when the provider has setMany but no check-and-set", async () => {
    const provider = new BatchProvider({ checkAndSet: false });
    await provider.set("S_0", "already-there");
    const manager = new SecretManager({ provider });
    const results = await manager.setSecrets(entries(2, { ifAbsent: true }));
    expect(provider.batches).toHaveLength(0);
    expect(results.get("S_0")).toBeInstanceOf(SecretConflictError);
    expect(results.get("S_1")).toEqual({ version: "1" });
  });
});
