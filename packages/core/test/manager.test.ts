import { describe, expect, it, vi } from "vitest";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import {
  InvalidSecretNameError,
  NotSupportedError,
  ProviderError,
  ProviderInvalidError,
  ProviderUnavailableError,
  SecretConflictError,
  SecretManager,
  SecretNotFoundError,
} from "../src/index.js";

function setup(
  options: { ttl?: number; stale?: number; provider?: ConstructorParameters<typeof MemoryProvider>[0] } = {},
) {
  const provider = new MemoryProvider(options.provider);
  let now = 1_000_000;
  const clock = {
    advance: (ms: number) => {
      now += ms;
    },
  };
  const manager = new SecretManager({
    provider,
    cacheTtlMs: options.ttl ?? 60_000,
    staleIfErrorMs: options.stale ?? 30_000,
    now: () => now,
  });
  return { provider, manager, clock };
}

describe("SecretManager reads", () => {
  it("returns undefined for a missing secret and the value for a present one", async () => {
    const { manager } = setup();
    expect(await manager.getSecret("MISSING")).toBeUndefined();
    await manager.setSecret("PRESENT", "v1");
    expect(await manager.getSecret("PRESENT")).toBe("v1");
  });

  it("getRequiredSecret throws the spec's message when missing", async () => {
    const { manager } = setup();
    const error = await manager.getRequiredSecret("SECRET_KEY").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toBe("Required secret 'SECRET_KEY' not found");
    expect((error as SecretNotFoundError).code).toBe("SECRET_NOT_FOUND");
  });

  it("serves fresh values from the cache without asking the provider", async () => {
    const { manager, provider, clock } = setup({ ttl: 10_000 });
    await manager.setSecret("A", "one");
    await manager.getSecret("A");
    await manager.getSecret("A");
    await manager.getSecret("A");
    expect(provider.calls.get).toBe(1);
    clock.advance(10_001);
    await manager.getSecret("A");
    expect(provider.calls.get).toBe(2);
  });

  it("answers cache hits of one entry with one settled promise, and a new entry with a new one", async () => {
    const { manager, clock } = setup({ ttl: 10_000 });
    await manager.setSecret("A", "one");
    const cold = manager.getSecret("A");
    expect(await cold).toBe("one");
    const first = manager.getSecret("A");
    expect(manager.getSecret("A")).toBe(first);
    expect(first).not.toBe(cold);
    expect(await first).toBe("one");
    // A write makes a new entry: its hits do not reuse the old promise or value.
    await manager.setSecret("A", "two");
    expect(await manager.getSecret("A")).toBe("two");
    const again = manager.getSecret("A");
    expect(again).not.toBe(first);
    expect(await again).toBe("two");
    // Past the TTL the entry is read again, and its hits share a promise of their own.
    clock.advance(10_001);
    expect(await manager.getSecret("A")).toBe("two");
    expect(manager.getSecret("A")).not.toBe(again);
    // Options that bypass the cache never get the shared promise.
    expect(manager.getSecret("A", { fresh: true })).not.toBe(manager.getSecret("A", { fresh: true }));
  });

  it("getRequiredSecret answers hits the same way, and a cached missing secret with SecretNotFoundError", async () => {
    const { manager, provider } = setup({ ttl: 10_000 });
    await manager.setSecret("A", "one");
    expect(await manager.getRequiredSecret("A")).toBe("one");
    const first = manager.getRequiredSecret("A");
    expect(manager.getRequiredSecret("A")).toBe(first);
    // getSecret and getRequiredSecret share the entry's promise.
    expect(manager.getSecret("A")).toBe(first);
    expect(await first).toBe("one");
    expect(await manager.getSecret("GONE")).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      const missing = await manager.getRequiredSecret("GONE").catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(SecretNotFoundError);
      expect((missing as Error).message).toBe("Required secret 'GONE' not found");
    }
    // One read each: every later answer came from the cache.
    expect(provider.calls.get).toBe(2);
  });

  it("a cache hit that fails to log rejects, and never throws where it is called", async () => {
    const provider = new MemoryProvider();
    const logger = {
      debug: () => {
        throw new Error("logger broke");
      },
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    const manager = new SecretManager({ provider, cacheTtlMs: 60_000, logger });
    provider.seed("A", "one");
    await manager.getSecret("A").catch(() => undefined);
    let returned: Promise<string | undefined> | undefined;
    expect(() => {
      returned = manager.getSecret("A");
    }).not.toThrow();
    await expect(returned).rejects.toThrow("logger broke");
  });

  it("caches missing secrets too, until a write through the manager", async () => {
    const { manager, provider } = setup();
    expect(await manager.getSecret("LATER")).toBeUndefined();
    expect(await manager.getSecret("LATER")).toBeUndefined();
    expect(provider.calls.get).toBe(1);
    await manager.setSecret("LATER", "now");
    expect(await manager.getSecret("LATER")).toBe("now");
    expect(provider.calls.get).toBe(2);
  });

  it("invalidates on this process's writes and deletes", async () => {
    const { manager } = setup();
    await manager.setSecret("A", "one");
    expect(await manager.getSecret("A")).toBe("one");
    await manager.setSecret("A", "two");
    expect(await manager.getSecret("A")).toBe("two");
    expect(await manager.deleteSecret("A")).toBe(true);
    expect(await manager.getSecret("A")).toBeUndefined();
    expect(await manager.deleteSecret("A")).toBe(false);
  });

  it("does not cache when the TTL is 0", async () => {
    const { manager, provider } = setup({ ttl: 0 });
    await manager.setSecret("A", "one");
    await manager.getSecret("A");
    await manager.getSecret("A");
    expect(provider.calls.get).toBe(2);
  });

  it("coalesces concurrent cold reads of one name into one backend call", async () => {
    const { manager, provider } = setup();
    provider.seed("HOT", "v");
    let open!: () => void;
    provider.readGate = new Promise((resolve) => {
      open = resolve;
    });
    const reads = Array.from({ length: 50 }, () => manager.getSecret("HOT"));
    open();
    expect(new Set(await Promise.all(reads))).toEqual(new Set(["v"]));
    expect(provider.calls.get).toBe(1);
  });

  it("a read that started before a write cannot put the old value back in the cache", async () => {
    const { manager, provider } = setup();
    provider.seed("RACE", "old");
    let open!: () => void;
    provider.readGate = new Promise((resolve) => {
      open = resolve;
    });
    const slowRead = manager.getSecret("RACE");
    await vi.waitFor(() => expect(provider.calls.get).toBe(1));
    provider.readGate = undefined;
    await manager.setSecret("RACE", "new");
    open();
    expect(await slowRead).toBe("old");
    expect(await manager.getSecret("RACE")).toBe("new");
  });

  it("serves a stale value when the provider fails inside the stale window, and fails after it", async () => {
    const { manager, provider, clock } = setup({ ttl: 1000, stale: 5000 });
    await manager.setSecret("A", "cached");
    await manager.getSecret("A");
    provider.failWith = new Error("connect ECONNREFUSED 127.0.0.1:8200");
    clock.advance(2000);
    expect(await manager.getSecret("A")).toBe("cached");
    clock.advance(5000);
    const error = await manager.getSecret("A").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain("ECONNREFUSED");
    // A sanitized copy of what the provider threw, never the object itself.
    expect(((error as ProviderError).cause as Error).message).toBe(provider.failWith.message);
  });

  it("never serves stale values for a name that was never cached", async () => {
    const { manager, provider } = setup();
    provider.failWith = new ProviderUnavailableError("down", { provider: "memory" });
    await expect(manager.getSecret("A")).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it("reads previous versions without the cache when the provider keeps versions", async () => {
    const { manager } = setup();
    await manager.setSecret("V", "first");
    await manager.setSecret("V", "second");
    expect(await manager.getSecret("V", { version: "previous" })).toBe("first");
    expect(await manager.getSecret("V")).toBe("second");
  });

  it("refuses version reads on providers without versions", async () => {
    const { manager } = setup({ provider: { capabilities: { versions: false } } });
    await expect(manager.getSecret("V", { version: "previous" })).rejects.toBeInstanceOf(NotSupportedError);
  });
});

describe("SecretManager bulk reads", () => {
  it("uses one batch call for all uncached names and the cache for the rest", async () => {
    const { manager, provider } = setup();
    for (const name of ["A", "B", "C"]) provider.seed(name, name.toLowerCase());
    await manager.getSecret("A");
    const got = await manager.getSecrets(["A", "B", "C", "D"]);
    expect(Object.fromEntries(got)).toEqual({ A: "a", B: "b", C: "c" });
    expect(provider.calls.getMany).toBe(1);
    expect(provider.calls.get).toBe(1);
    await manager.getSecrets(["A", "B", "C", "D"]);
    expect(provider.calls.getMany).toBe(1);
  });

  it("reads one by one with bounded concurrency when the provider cannot batch", async () => {
    const { manager, provider } = setup({ provider: { methods: { getMany: false } } });
    for (let i = 0; i < 20; i++) provider.seed(`S${i}`, String(i));
    const got = await manager.getSecrets(Array.from({ length: 20 }, (_, i) => `S${i}`));
    expect(got.size).toBe(20);
    expect(provider.calls.get).toBe(20);
    expect(provider.calls.getMany).toBe(0);
  });
});

describe("SecretManager capabilities", () => {
  it("reads one by one from a provider without getMany, whatever its capabilities declare", async () => {
    const provider = new MemoryProvider({ methods: { getMany: false } });
    // The flag that used to announce batch reads: now ignored, only the method counts.
    (provider as { capabilities: object }).capabilities = { ...provider.capabilities, batchRead: true };
    const manager = new SecretManager({ provider, cacheTtlMs: 0 });
    for (const name of ["A", "B", "C"]) provider.seed(name, name.toLowerCase());
    expect(Object.fromEntries(await manager.getSecrets(["A", "B", "C"]))).toEqual({ A: "a", B: "b", C: "c" });
    expect(provider.calls.get).toBe(3);
    expect(provider.calls.getMany).toBe(0);
    expect(await manager.getCapabilities()).toMatchObject({ batchRead: false, list: true });
  });

  it("derives batchRead and list from the methods, and ignores them when declared", async () => {
    const provider = new MemoryProvider({ methods: { list: false } });
    (provider as { capabilities: object }).capabilities = { ...provider.capabilities, list: true };
    const manager = new SecretManager({ provider });
    expect(await manager.getCapabilities()).toEqual({
      batchRead: true,
      list: false,
      versions: true,
      checkAndSet: true,
      metadata: true,
    });
    await expect(manager.listSecrets()).rejects.toBeInstanceOf(NotSupportedError);
    expect(provider.calls.list).toBe(0);
  });

  it("keeps the capabilities the provider had when it was resolved", async () => {
    const provider = new MemoryProvider({
      capabilities: { versions: false, checkAndSet: false },
      methods: { getMany: false },
    });
    const manager = new SecretManager({ provider: async () => provider, cacheTtlMs: 0 });
    await manager.setSecret("A", "first");
    const before = await manager.getCapabilities();
    expect(Object.isFrozen(before)).toBe(true);

    // Changed on the provider object after resolution: core keeps its snapshot.
    (provider as { capabilities: object }).capabilities = {
      versions: true,
      checkAndSet: true,
      metadata: true,
    };
    (provider as { getMany?: unknown }).getMany = MemoryProvider.prototype.getMany;
    expect(await manager.getCapabilities()).toBe(before);
    await expect(manager.setSecret("A", "second", { ifVersion: "1" })).rejects.toBeInstanceOf(
      NotSupportedError,
    );
    await expect(manager.getSecret("A", { version: "previous" })).rejects.toBeInstanceOf(NotSupportedError);
    provider.seed("B", "b");
    expect(Object.fromEntries(await manager.getSecrets(["A", "B"]))).toEqual({ A: "first", B: "b" });
    expect(provider.calls.getMany).toBe(0);
    // ifAbsent is still emulated (read, then write), not passed to the provider.
    await expect(manager.setSecret("A", "third", { ifAbsent: true })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    expect(provider.data.get("A")?.map((r) => r.value)).toEqual(["first"]);
  });

  it("keeps the snapshot of a provider given as an instance, too", async () => {
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider, cacheTtlMs: 0 });
    (provider as { capabilities: object }).capabilities = {
      versions: false,
      checkAndSet: false,
      metadata: false,
    };
    (provider as { list?: unknown }).list = undefined;
    expect(await manager.getCapabilities()).toMatchObject({ versions: true, checkAndSet: true, list: true });
    await manager.setSecret("A", "first");
    await manager.setSecret("A", "second");
    expect(await manager.getSecret("A", { version: "previous" })).toBe("first");
  });
});

describe("SecretManager writes", () => {
  it("setSecret resolves true and ifAbsent refuses to overwrite", async () => {
    const { manager } = setup();
    expect(await manager.setSecret("A", "first", { ifAbsent: true })).toBe(true);
    await expect(manager.setSecret("A", "second", { ifAbsent: true })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    expect(await manager.getSecret("A")).toBe("first");
  });

  it("emulates ifAbsent on providers without check-and-set", async () => {
    const { manager } = setup({ provider: { capabilities: { checkAndSet: false } } });
    await manager.setSecret("A", "first", { ifAbsent: true });
    await expect(manager.setSecret("A", "second", { ifAbsent: true })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    await expect(manager.setSecret("A", "x", { ifVersion: "1" })).rejects.toBeInstanceOf(NotSupportedError);
  });

  it("rejects invalid names before reaching the provider", async () => {
    const { manager, provider } = setup();
    for (const bad of ["", "1ABC", "A-B", "a b", "../etc", "A".repeat(129), "ÄB"]) {
      await expect(manager.getSecret(bad)).rejects.toBeInstanceOf(InvalidSecretNameError);
      await expect(manager.setSecret(bad, "v")).rejects.toBeInstanceOf(InvalidSecretNameError);
    }
    expect(provider.calls.get + provider.calls.set).toBe(0);
  });

  it("rejects non-string values", async () => {
    const { manager } = setup();
    await expect(manager.setSecret("A", 42 as unknown as string)).rejects.toMatchObject({
      code: "INVALID_VALUE",
    });
  });
});

describe("SecretManager keeps its own copy of what a provider answers", () => {
  it("a record changed by the provider afterwards, or answering through getters, never changes what is served", async () => {
    const answered: Array<Record<string, unknown>> = [];
    let reads = 0;
    const provider = new MemoryProvider();
    provider.get = async (name: string) => {
      const record: Record<string, unknown> = {
        get value() {
          reads++;
          return reads === 1 ? `value-of-${name}` : 42;
        },
        version: "7",
        body: "raw backend answer",
        metadata: JSON.parse('{"__proto__": "kept", "rotatedAt": "2024-01-01", "n": 3}') as unknown,
      };
      answered.push(record);
      return record as never;
    };
    provider.getMany = async (names: readonly string[]) => {
      const out = new Map<string, { value: string }>();
      for (const name of names) {
        const record = { value: `batch-${name}` };
        answered.push(record);
        out.set(name, record);
      }
      return out as never;
    };
    const manager = new SecretManager({ provider });
    expect(await manager.getSecret("A")).toBe("value-of-A");
    expect([...(await manager.getSecrets(["B", "C"]))]).toEqual([
      ["B", "batch-B"],
      ["C", "batch-C"],
    ]);
    for (const record of answered) Object.defineProperty(record, "value", { value: { not: "a string" } });
    expect(await manager.getSecret("A")).toBe("value-of-A");
    expect(await manager.getSecret("B")).toBe("batch-B");
    expect(reads).toBe(1);

    reads = 0;
    const record = await manager.getSecretRecord("D", { metadata: true });
    expect(record).toEqual({
      value: "value-of-D",
      version: "7",
      metadata: JSON.parse('{"__proto__": "kept", "rotatedAt": "2024-01-01"}'),
    });
    expect(Object.isFrozen(record)).toBe(true);
    expect(Object.getPrototypeOf(record?.metadata)).toBeNull();
    const cached = await manager.getSecretRecord("A");
    expect(Object.isFrozen(cached)).toBe(true);
    expect(() => {
      (cached as { value: string }).value = "changed by a caller";
    }).toThrow(TypeError);
    expect(await manager.getSecret("A")).toBe("value-of-A");
  });

  it("a version the provider computes when first read is still computed only when asked for", async () => {
    let computed = 0;
    const provider = new MemoryProvider();
    provider.get = async () =>
      ({
        value: "lazy-version-value",
        get version() {
          computed++;
          return "v-lazy";
        },
      }) as never;
    const manager = new SecretManager({ provider });
    expect(await manager.getSecret("A")).toBe("lazy-version-value");
    expect(computed).toBe(0);
    const record = await manager.getSecretRecord("A");
    expect(record?.version).toBe("v-lazy");
    expect(record?.version).toBe("v-lazy");
    expect(computed).toBe(1);
  });
});

describe("SecretManager provider checks", () => {
  it("checkProvider never throws and reports the error", async () => {
    const { manager, provider } = setup();
    expect((await manager.checkProvider()).ok).toBe(true);
    provider.failWith = new ProviderUnavailableError("Memory is sealed", { provider: "memory" });
    const result = await manager.checkProvider();
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe("PROVIDER_UNAVAILABLE");
  });

  it("checkProvider passes the check's details on as plain, redacted fields, and nothing else", async () => {
    const secret = "s3cr3t-value-of-the-details";
    const provider = new MemoryProvider();
    let answer: unknown;
    provider.check = async () => answer as undefined;
    const manager = new SecretManager({ provider });
    await manager.setSecret("KNOWN", secret);
    expect(await manager.getSecret("KNOWN")).toBe(secret);
    const details = (given: unknown) => {
      answer = { details: given };
      return manager.checkProvider().then((result) => {
        expect(result.ok).toBe(true);
        return result.details;
      });
    };
    expect(await details({ file: "/app/.env", exists: true, versions: 3 })).toEqual({
      file: "/app/.env",
      exists: true,
      versions: 3,
    });
    const hostile = JSON.parse(
      `{"__proto__": "p", "token": "${secret}", "nested": {"value": "${secret}"}, "list": ["${secret}"], "n": 1e999, "line": "a\\nb"}`,
    ) as unknown;
    const cleaned = await details(hostile);
    expect(cleaned).toEqual(JSON.parse('{"__proto__": "p", "token": "[REDACTED]", "line": "a b"}'));
    expect(Object.getPrototypeOf(cleaned)).toBe(Object.prototype);
    expect(await details("not an object")).toBeUndefined();
    expect(
      Object.keys(
        (await details(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i])))) ?? {},
      ),
    ).toHaveLength(32);
  });

  it("listSecrets refuses a list that is not of strings", async () => {
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider });
    for (const answer of [[3, "B"], ["A", null], "A,B", undefined]) {
      provider.list = async () => answer as string[];
      await expect(manager.listSecrets()).rejects.toMatchObject({
        code: "PROVIDER_INVALID",
        message: "Secret provider 'memory' is not a valid provider: list() must return an array of strings",
      });
    }
  });

  it("checkProvider passes the check's warnings on as bounded, redacted lines, and nothing else", async () => {
    const secret = "s3cr3t-value-of-the-check";
    const answers: unknown[] = [
      undefined,
      { details: { file: "x" } },
      { warnings: "not a list" },
      { warnings: [] },
      { warnings: [42, null, "", "  "] },
      {
        warnings: [
          "kiwi\nmango\r\n\tpapaya\u2028guava",
          `leaked ${secret} here`,
          "x".repeat(2_000),
          ...Array.from({ length: 20 }, (_, i) => `warning ${i}`),
        ],
      },
    ];
    const provider = new MemoryProvider();
    let answer: unknown;
    provider.check = async () => answer as undefined;
    const manager = new SecretManager({ provider });
    await manager.setSecret("KNOWN", secret);
    expect(await manager.getSecret("KNOWN")).toBe(secret);
    const seen = [];
    for (answer of answers) {
      const result = await manager.checkProvider();
      expect(result.ok).toBe(true);
      seen.push(result.warnings);
      if (result.warnings === undefined) expect("warnings" in result).toBe(false);
    }
    expect(seen.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const last = seen[5] as string[];
    // Eight at most; each one line, cut to 500 characters; the value redacted.
    expect(last).toHaveLength(8);
    expect(last[0]).toBe("kiwi mango papaya guava");
    expect(last[1]).toBe("leaked [REDACTED] here");
    expect(last[2]).toBe(`${"x".repeat(497)}...`);
    expect(last.slice(3)).toEqual(["warning 0", "warning 1", "warning 2", "warning 3", "warning 4"]);
    expect(JSON.stringify(seen)).not.toContain(secret);
  });

  it("rejects objects that are not providers", () => {
    expect(() => new SecretManager({ provider: {} as never })).toThrow(ProviderInvalidError);
    expect(() => new SecretManager({ provider: { name: "x", get() {} } as never })).toThrow(/missing method/);
  });

  it("resolves a lazy provider once, on first use", async () => {
    let resolved = 0;
    const manager = new SecretManager({
      provider: async () => {
        resolved++;
        return new MemoryProvider();
      },
      providerName: "memory",
    });
    expect(resolved).toBe(0);
    await Promise.all([manager.getSecret("A"), manager.getSecret("B")]);
    expect(resolved).toBe(1);
  });
});

describe("SecretManager fresh reads and write results", () => {
  it("getSecretRecords with fresh asks the backend but falls back to the cache when it fails", async () => {
    const { manager, provider } = setup();
    await manager.setSecret("A", "cached");
    await manager.getSecret("A");
    const before = provider.calls.getMany + provider.calls.get;
    expect((await manager.getSecretRecords(["A"], { fresh: true })).get("A")?.value).toBe("cached");
    expect(provider.calls.getMany + provider.calls.get).toBe(before + 1);
    provider.failWith = new Error("down");
    expect((await manager.getSecretRecords(["A", "A"], { fresh: true })).get("A")?.value).toBe("cached");
  });

  it("allowStale: false reports a backend failure even when a cached value exists", async () => {
    const { manager, provider } = setup();
    await manager.setSecret("A", "cached");
    await manager.getSecret("A");
    provider.failWith = new Error("down");
    await expect(manager.getSecretRecord("A", { fresh: true, allowStale: false })).rejects.toThrow(/down/);
    await expect(manager.getSecretRecords(["A", "B"], { fresh: true, allowStale: false })).rejects.toThrow(
      /down/,
    );
    provider.failWith = undefined;
    expect(await manager.getSecret("A")).toBe("cached");
  });

  it("writeSecret resolves the version the provider wrote", async () => {
    const { manager } = setup();
    expect(await manager.writeSecret("A", "one")).toEqual({ version: "1" });
    expect(await manager.writeSecret("A", "two")).toEqual({ version: "2" });
  });
});
