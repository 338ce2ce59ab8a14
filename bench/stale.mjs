// Stale-if-error under a hanging backend: a warm manager whose values are past
// their TTL keeps answering within the stale wait bound while the provider hangs.
// Reported as the slowest read seen, as a multiple of the bound (1.0 = exactly the bound).
import path from "node:path";

/** One row for bench/run.mjs: the slowest read while the backend hangs, against staleWaitMs. */
export async function benchStale(root) {
  const { SecretManager } = await import(path.join(root, "packages/core/dist/index.js"));
  let hanging = false;
  let calls = 0;
  const provider = {
    name: "bench",
    async get(name, options = {}) {
      calls++;
      if (!hanging) return { value: `value-of-${name}` };
      // Hang until the manager's deadline aborts the call, as a provider that honours its signal does.
      return new Promise((_, reject) => {
        options.signal?.addEventListener("abort", () => reject(options.signal.reason), { once: true });
      });
    },
    async set() {},
    async delete() {
      return false;
    },
    async check() {},
  };
  const ttlMs = 20;
  const staleWaitMs = 100;
  const manager = new SecretManager({
    provider,
    cacheTtlMs: ttlMs,
    staleIfErrorMs: 60_000,
    staleWaitMs,
    timeoutMs: 1_000,
  });
  const names = Array.from({ length: 8 }, (_, i) => `SECRET_${i}`);
  await manager.getSecrets(names);
  await new Promise((resolve) => setTimeout(resolve, ttlMs + 5));
  hanging = true;

  // 3 s of traffic while the backend hangs: several refreshes time out and restart.
  let slowest = 0;
  let reads = 0;
  const until = performance.now() + 3_000;
  const reader = async (name) => {
    while (performance.now() < until) {
      const start = performance.now();
      const value = await manager.getSecret(name);
      slowest = Math.max(slowest, performance.now() - start);
      reads++;
      if (value !== `value-of-${name}`) throw new Error(`stale read of ${name} returned the wrong value`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await Promise.all(names.flatMap((name) => [reader(name), reader(name)]));
  await manager.close();
  return {
    name: "stale read while the backend hangs",
    value: slowest,
    baseline: staleWaitMs,
    unit: "ms",
    ratio: slowest / staleWaitMs,
    note: `slowest of ${reads} reads (${calls} backend calls) vs staleWaitMs (1 = the bound)`,
  };
}
