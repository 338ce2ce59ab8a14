import { constants, promises as fsp } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ProviderUnavailableError, SecretManager } from "@org/secrets-core";
import { createEnvProvider } from "@org/secrets-provider-env";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type InitResult, parseManifest, type RotateResult, SecretInitializer } from "../src/index.js";
import { MemoryProvider, managerFor, randomTurns } from "./helpers.js";

const NOW = new Date("2025-03-01T12:00:00.000Z");

/** `count` generatable secrets S_0 … S_<count-1>, and one that cannot be generated. */
function manifestOf(count: number) {
  let text = "version: 1\nsecrets:\n";
  for (let i = 0; i < count; i++) text += `  S_${i}: { generate: { kind: hex, length: 32 } }\n`;
  text += "  DATABASE_URL: { generate: false }\n";
  return parseManifest(text);
}

const initializerOver = (manager: SecretManager, count: number) =>
  new SecretInitializer({ manager, manifest: manifestOf(count), production: true, now: () => NOW });

function counts(result: InitResult | RotateResult): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const s of result.secrets) out[s.action] = (out[s.action] ?? 0) + 1;
  return out;
}

describe("init and rotate through a provider with setMany", () => {
  it("init of 1,000 secrets: one read of the one it cannot generate and one setMany call", async () => {
    const provider = new MemoryProvider({ methods: { setMany: true } });
    provider.seed("S_10", "kept");
    const read: string[] = [];
    provider.afterRead = (names) => read.push(...names);
    const result = await initializerOver(managerFor(provider), 1000).initializeSecrets();
    expect(read).toEqual(["DATABASE_URL"]);
    expect(provider.calls.getMany + provider.calls.get).toBe(1);
    expect(provider.calls.setMany).toBe(1);
    // Every generatable secret is created without a read: the one already there is found by its create-only write.
    expect(provider.batches[0]).toHaveLength(1000);
    expect(provider.calls.set).toBe(0);
    expect(counts(result)).toEqual({ created: 999, exists: 1, missing: 1 });
    expect(provider.current("S_10")).toBe("kept");
    expect(provider.current("S_999")).toMatch(/^[0-9a-f]{32}$/);
    // A provider that keeps versions dates the first version itself: no rotatedAt metadata on create.
    expect(provider.currentMetadata("S_0") ?? {}).toEqual({});
    expect(
      provider.batches[0]?.every((e) => e.options?.ifAbsent === true && e.options.metadata === undefined),
    ).toBe(true);
  });

  it("rotate of 1,000 secrets: one batch read and one setMany call, each against the version read", async () => {
    const provider = new MemoryProvider({ methods: { setMany: true } });
    for (let i = 0; i < 1000; i++) provider.seed(`S_${i}`, `old-${i}`);
    const result = await initializerOver(managerFor(provider), 1000).rotateSecrets();
    expect(provider.calls.getMany).toBe(1);
    expect(provider.calls.setMany).toBe(1);
    expect(provider.calls.set).toBe(0);
    expect(counts(result)).toEqual({ rotated: 1000, skipped: 1 });
    expect(result.secrets[0]).toMatchObject({ name: "S_0", previousVersion: "1", version: "2" });
    expect(provider.batches[0]?.every((e) => e.options?.ifVersion !== undefined)).toBe(true);
  });

  it("keeps each value another process created before our create-only writes, reporting it as existing", async () => {
    const provider = new MemoryProvider({ methods: { setMany: true } });
    provider.afterRead = () => {
      provider.afterRead = undefined; // another process, right after our read
      for (const name of ["S_1", "S_4", "S_7"]) provider.seed(name, `won-by-other-${name}`);
    };
    const result = await initializerOver(managerFor(provider), 10).initializeSecrets();
    expect(provider.calls.setMany).toBe(1);
    // The one read is of the secret init cannot generate; nothing is read back after the conflicts.
    expect(provider.calls.getMany + provider.calls.get).toBe(1);
    expect(counts(result)).toEqual({ created: 7, exists: 3, missing: 1 });
    for (const name of ["S_1", "S_4", "S_7"])
      expect(provider.data.get(name)?.map((v) => v.value)).toEqual([`won-by-other-${name}`]);
  });

  it("reports a conflict on a --force regeneration per name without clobbering", async () => {
    const provider = new MemoryProvider({ methods: { setMany: true } });
    for (let i = 0; i < 3; i++) provider.seed(`S_${i}`, `old-${i}`);
    provider.afterRead = () => {
      provider.afterRead = undefined;
      provider.seed("S_1", "changed-meanwhile");
    };
    const result = await initializerOver(managerFor(provider), 3).initializeSecrets({ force: true });
    expect(provider.calls.setMany).toBe(1);
    expect(result.secrets.find((s) => s.name === "S_1")).toMatchObject({
      action: "failed",
      code: "CONFLICT",
    });
    expect(provider.current("S_1")).toBe("changed-meanwhile");
    expect(counts(result)).toEqual({ regenerated: 2, failed: 1, missing: 1 });
  });

  it("writes nothing in a dry run", async () => {
    const provider = new MemoryProvider({ methods: { setMany: true } });
    const result = await initializerOver(managerFor(provider), 50).initializeSecrets({ dryRun: true });
    expect(provider.calls.setMany).toBe(0);
    expect(provider.calls.set).toBe(0);
    expect(counts(result)).toEqual({ created: 50, missing: 1 });
  });
});

describe("the same results with and without setMany", () => {
  /** One scenario: existing values, a write that fails, a value another process creates meanwhile. */
  async function scenario(provider: MemoryProvider, run: (i: SecretInitializer) => Promise<unknown>) {
    provider.seed("S_0", "existing");
    provider.seed("S_5", "existing too");
    provider.seed("S_2", "existing, its write fails");
    provider.writeErrors.set("S_2", new ProviderUnavailableError("connection reset", { provider: "memory" }));
    provider.writeErrors.set("S_6", new Error("socket hang up"));
    provider.afterRead = () => {
      provider.afterRead = undefined;
      provider.seed("S_3", "created elsewhere");
    };
    const result = (await run(initializerOver(managerFor(provider), 8))) as InitResult | RotateResult;
    return result.secrets.map((s) => {
      const {
        version: _v,
        previousVersion: _p,
        ...rest
      } = s as {
        action: string;
        version?: string;
        previousVersion?: string;
      };
      return rest;
    });
  }

  for (const [label, run] of [
    ["init", (i: SecretInitializer) => i.initializeSecrets()],
    ["init --force", (i: SecretInitializer) => i.initializeSecrets({ force: true })],
    ["rotate", (i: SecretInitializer) => i.rotateSecrets()],
  ] as const) {
    it(`${label}: per-secret results are identical`, async () => {
      const single = new MemoryProvider();
      const batch = new MemoryProvider({ methods: { setMany: true } });
      const withoutBatch = await scenario(single, run);
      const withBatch = await scenario(batch, run);
      expect(withBatch).toEqual(withoutBatch);
      expect(withoutBatch.some((s) => s.action === "failed")).toBe(true);
      expect(batch.calls.setMany).toBe(1);
      expect(batch.calls.set).toBe(0);
      expect(single.calls.set).toBeGreaterThan(1);
    });
  }
});

describe("16 concurrent initializations over one backend with setMany", () => {
  it("store exactly one value per secret; every other initializer finds it", async () => {
    const shared = new MemoryProvider({ methods: { setMany: true }, latency: randomTurns(8) });
    const managers = Array.from({ length: 16 }, () => new SecretManager({ provider: shared }));
    let release = () => {};
    shared.readGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = Promise.all(managers.map((manager) => initializerOver(manager, 100).initializeSecrets()));
    // Each reads the one secret it cannot generate, then all race their creates.
    while (shared.calls.get < 16) await new Promise<void>((resolve) => setImmediate(resolve));
    for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    shared.readGate = undefined;
    release();
    const results = await running;
    expect(shared.calls.setMany).toBe(16);
    for (let i = 0; i < 100; i++) {
      const name = `S_${i}`;
      expect(shared.data.get(name)).toHaveLength(1);
      const actions = results.map((r) => r.secrets.find((s) => s.name === name)?.action);
      expect(actions.filter((a) => a === "created")).toHaveLength(1);
      expect(actions.filter((a) => a === "exists" || a === "adopted")).toHaveLength(15);
    }
  });
});

describe("init and rotate of 1,000 secrets through the env provider", () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "initializer-batch-"));
    file = path.join(dir, ".env");
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  const envManager = () =>
    new SecretManager({ provider: createEnvProvider({ path: file, env: {}, now: () => NOW }) });
  /** What a fresh reader of the file sees. */
  const readAll = async (): Promise<Record<string, string>> => {
    const reader = createEnvProvider({ path: file, env: {} });
    const names = await reader.list();
    const records = await reader.getMany(names);
    return Object.fromEntries([...records].map(([name, record]) => [name, record.value]));
  };
  /** An exclusive create of the lock file: one lock acquisition. */
  const isLockTaken = (call: unknown[]) =>
    call[0] === `${file}.lock` && typeof call[1] === "number" && (call[1] & constants.O_EXCL) !== 0;
  const renamesOf = (spy: { mock: { calls: unknown[][] } }) =>
    spy.mock.calls.filter((call) => call[1] === file).length;

  it("rewrites the file once for init and once for rotate", async () => {
    const rename = vi.spyOn(fsp, "rename");
    const open = vi.spyOn(fsp, "open");
    const init = await initializerOver(envManager(), 1000).initializeSecrets();
    expect(counts(init)).toEqual({ created: 1000, missing: 1 });
    expect(renamesOf(rename)).toBe(1);
    // The lock was taken once: its file created (exclusively) once.
    expect(open.mock.calls.filter(isLockTaken)).toHaveLength(1);
    const created = await readAll();
    expect(Object.keys(created)).toHaveLength(1000);

    rename.mockClear();
    open.mockClear();
    const rotated = await initializerOver(envManager(), 1000).rotateSecrets();
    expect(counts(rotated)).toEqual({ rotated: 1000, skipped: 1 });
    expect(renamesOf(rename)).toBe(1);
    expect(open.mock.calls.filter(isLockTaken)).toHaveLength(1);
    const after = await readAll();
    expect(Object.keys(after)).toHaveLength(1000);
    for (let i = 0; i < 1000; i++) expect(after[`S_${i}`]).not.toBe(created[`S_${i}`]);

    // A second init finds everything and does not write.
    rename.mockClear();
    const again = await initializerOver(envManager(), 1000).initializeSecrets();
    expect(counts(again)).toEqual({ exists: 1000, missing: 1 });
    expect(renamesOf(rename)).toBe(0);
  }, 60_000);
});
