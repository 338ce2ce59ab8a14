import { readFileSync } from "node:fs";
import {
  NotSupportedError,
  SecretConflictError,
  SecretManager,
  SecretNotFoundError,
} from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { runProviderConformance } from "../src/index.js";
import { MemoryProvider } from "../src/memory-provider.js";

// The reference provider passes the suite in the shapes other packages' tests use it.
runProviderConformance({
  name: "memory without capabilities or optional methods",
  create: ({ logger }) =>
    new MemoryProvider({
      logger,
      capabilities: { versions: false, checkAndSet: false, metadata: false },
      methods: { getMany: false, list: false },
    }),
});
runProviderConformance({
  name: "memory with setMany and restore",
  create: ({ logger }) => new MemoryProvider({ logger, methods: { setMany: true, restore: true } }),
});

describe("MemoryProvider", () => {
  it("has exactly the optional methods asked for, and capabilities fixed at construction", async () => {
    const plain = new MemoryProvider();
    expect([typeof plain.getMany, typeof plain.list, plain.setMany, plain.restore]).toEqual([
      "function",
      "function",
      undefined,
      undefined,
    ]);
    const some = new MemoryProvider({
      capabilities: { versions: false },
      methods: { getMany: false, list: false, setMany: true, restore: true },
    });
    expect([some.getMany, some.list, typeof some.setMany, typeof some.restore]).toEqual([
      undefined,
      undefined,
      "function",
      "function",
    ]);
    expect(some.capabilities).toEqual({ versions: false, checkAndSet: true, metadata: true });
    expect(await new SecretManager({ provider: some }).getCapabilities()).toEqual({
      batchRead: false,
      list: false,
      versions: false,
      checkAndSet: true,
      metadata: true,
    });
    await expect(some.get("A", { version: "previous" })).rejects.toBeInstanceOf(NotSupportedError);
    // Changing the announced object afterwards does not change behaviour.
    (plain as { capabilities: object }).capabilities = {
      versions: false,
      checkAndSet: false,
      metadata: false,
    };
    await plain.set("A", "one");
    await plain.set("A", "two");
    expect((await plain.get("A", { version: "previous" }))?.value).toBe("one");
    await expect(plain.set("A", "three", { ifAbsent: true })).rejects.toBeInstanceOf(SecretConflictError);
  });

  it("numbers versions per name and never reuses one after a delete", async () => {
    const provider = new MemoryProvider();
    expect(await provider.set("A", "a1")).toEqual({ version: "1" });
    expect(await provider.set("B", "b1")).toEqual({ version: "1" });
    expect(await provider.set("A", "a2")).toEqual({ version: "2" });
    await provider.delete("A");
    expect(await provider.set("A", "a3", { ifAbsent: true })).toEqual({ version: "3" });
    await expect(provider.set("A", "stale", { ifVersion: "1" })).rejects.toBeInstanceOf(SecretConflictError);
    expect(provider.data.get("A")?.map((v) => v.value)).toEqual(["a3"]);
  });

  it("without check-and-set it ignores ifAbsent and ifVersion; without metadata or versions it returns the value alone", async () => {
    const provider = new MemoryProvider({
      capabilities: { versions: false, checkAndSet: false, metadata: false },
    });
    await provider.set("A", "one");
    expect(await provider.set("A", "two", { ifAbsent: true, metadata: { owner: "x" } })).toEqual({});
    expect(await provider.get("A")).toEqual({ value: "two" });
    expect(provider.currentMetadata("A")).toBeUndefined();
  });

  it("counts calls, not seeds; records writes; setMany writes each entry and reports its outcome", async () => {
    const provider = new MemoryProvider({ initial: { A: "a" }, methods: { setMany: true } });
    provider.seed("B", "b", { metadata: { owner: "seed" } });
    expect(provider.remove("B")).toBe(true);
    const results = await provider.setMany([
      { name: "A", value: "again", options: { ifAbsent: true } },
      { name: "C", value: "c", options: { metadata: { owner: "batch" } } },
    ]);
    expect(results.get("A")).toBeInstanceOf(SecretConflictError);
    expect(results.get("C")).toEqual({ version: "1" });
    await provider.get("C");
    await provider.getMany(["A", "C"]);
    await provider.list();
    await provider.check();
    expect(provider.calls).toEqual({
      get: 1,
      getMany: 1,
      set: 0,
      setMany: 1,
      delete: 0,
      check: 1,
      list: 1,
      restore: 0,
    });
    expect(provider.batches).toHaveLength(1);
    expect(provider.writes.map((w) => [w.name, w.ifAbsent])).toEqual([
      ["A", true],
      ["C", false],
    ]);
    expect([provider.current("A"), provider.current("C"), provider.currentMetadata("C")]).toEqual([
      "a",
      "c",
      { owner: "batch" },
    ]);
  });

  it("injects failures: every call, reads, reads of one name, writes of one name, check", async () => {
    const provider = new MemoryProvider({ initial: { A: "a", B: "b" } });
    const down = new Error("down");
    provider.failWith = down;
    for (const call of [
      () => provider.get("A"),
      () => provider.getMany(["A"]),
      () => provider.set("A", "x"),
      () => provider.delete("A"),
      () => provider.check(),
      () => provider.list(),
    ])
      await expect(call()).rejects.toBe(down);
    provider.failWith = undefined;
    const unreadable = new Error("unreadable");
    provider.readErrors.set("B", unreadable);
    expect((await provider.get("A"))?.value).toBe("a");
    await expect(provider.get("B")).rejects.toBe(unreadable);
    await expect(provider.getMany(["A", "B"])).rejects.toBe(unreadable);
    const refused = new Error("refused");
    provider.writeErrors.set("A", refused);
    await expect(provider.set("A", "x")).rejects.toBe(refused);
    expect(provider.current("A")).toBe("a");
    const auth = new Error("auth");
    provider.checkError = auth;
    await expect(provider.check()).rejects.toBe(auth);
    await expect(provider.get("A")).rejects.toBe(auth);
    await expect(provider.set("C", "c")).resolves.toEqual({ version: "1" });
  });

  it("holds reads at the gate with what was stored when they arrived, then runs afterRead", async () => {
    const provider = new MemoryProvider({ initial: { A: "old" } });
    let open = () => {};
    provider.readGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const seen: string[][] = [];
    provider.afterRead = (names) => seen.push([...names]);
    const held = provider.get("A");
    provider.readGate = undefined;
    await provider.set("A", "new");
    open();
    expect((await held)?.value).toBe("old");
    expect((await provider.get("A"))?.value).toBe("new");
    expect(seen).toEqual([["A"], ["A"]]);
  });

  it("awaits the latency hook at the start of every call", async () => {
    let waits = 0;
    const provider = new MemoryProvider({
      latency: async () => {
        waits++;
      },
    });
    await provider.set("A", "a");
    await provider.get("A");
    await provider.check();
    expect(waits).toBe(3);
  });

  it("restores a deleted secret where restore is offered, and refuses one that is not deleted", async () => {
    const provider = new MemoryProvider({ initial: { A: "a" }, methods: { restore: true } });
    expect(await provider.delete("A")).toBe(true);
    expect(provider.current("A")).toBeUndefined();
    await provider.restore("A");
    expect(provider.current("A")).toBe("a");
    await expect(provider.restore("A")).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(provider.calls.restore).toBe(2);
  });

  it("is exported by the package's ./memory entry", async () => {
    const entry = await import("@org/secrets-provider-testkit/memory");
    expect(typeof entry.MemoryProvider).toBe("function");
    expect(new entry.MemoryProvider({ name: "m" }).name).toBe("m");
  });

  it("the ./memory entry imports no vitest, so code that is not a test can use it", () => {
    for (const file of ["../src/memory.ts", "../src/memory-provider.ts"]) {
      const text = readFileSync(new URL(file, import.meta.url), "utf8");
      const imports = [...text.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
      expect(imports.every((name) => name === "@org/secrets-core/provider" || name?.startsWith("./"))).toBe(
        true,
      );
    }
  });
});
