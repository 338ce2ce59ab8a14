// Cached reads beside AWS Powertools Parameters: the same warm read of one name
// through SecretManager, through Powertools' BaseProvider (whose fetch is local,
// so neither side touches a network once warm), and through a bare Map, in
// alternating rounds of one run. Every figure is a ratio against the Map.
import { createRequire } from "node:module";
import path from "node:path";
import { median } from "./servers.mjs";

/** Rows for bench/run.mjs: ops/s of each cached read, against `await map.get()` and against each other. */
export async function benchCachedReads(root, { rounds = 9, n = 500_000 } = {}) {
  const { SecretManager } = await import(path.join(root, "packages/core/dist/index.js"));
  const require = createRequire(path.join(root, "package.json"));
  const { BaseProvider } = await import(require.resolve("@aws-lambda-powertools/parameters/base"));

  const value = "value-of-SECRET_KEY";
  const provider = {
    name: "bench",
    async get() {
      return { value };
    },
    async set() {},
    async delete() {
      return false;
    },
    async check() {},
  };
  const manager = new SecretManager({ provider, cacheTtlMs: 3_600_000 });

  /** Powertools' base class with a local fetch: its cache, expiry check and key building are what is measured. */
  class LocalProvider extends BaseProvider {
    constructor() {
      super({ proto: class {}, clientConfig: {} });
    }
    async _get() {
      return value;
    }
    async _getMultiple() {
      return {};
    }
  }
  const powertools = new LocalProvider();
  const map = new Map([["SECRET_KEY", value]]);

  await manager.getSecret("SECRET_KEY");
  await powertools.get("SECRET_KEY", { maxAge: 3600 });
  if ((await powertools.get("SECRET_KEY", { maxAge: 3600 })) !== value)
    throw new Error("powertools: no value");

  const loop = async (fn) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return performance.now() - start;
  };
  const runs = { map: [], manager: [], powertools: [] };
  for (let round = 0; round < rounds; round++) {
    runs.map.push(await loop(async () => map.get("SECRET_KEY")));
    runs.manager.push(await loop(() => manager.getSecret("SECRET_KEY")));
    runs.powertools.push(await loop(() => powertools.get("SECRET_KEY", { maxAge: 3600 })));
  }
  const ops = (name) => n / (median(runs[name]) / 1000);
  const [mapOps, managerOps, powertoolsOps] = [ops("map"), ops("manager"), ops("powertools")];
  return [
    {
      name: "cached getSecret throughput",
      value: managerOps,
      baseline: mapOps,
      unit: "ops/s",
      ratio: managerOps / mapOps,
      note: `vs \`await map.get()\` (1 = as fast as a bare Map; median of ${rounds} rounds)`,
    },
    {
      name: "Powertools Parameters cached get",
      value: powertoolsOps,
      baseline: mapOps,
      unit: "ops/s",
      ratio: powertoolsOps / mapOps,
      note: "vs `await map.get()`, same rounds",
    },
    {
      name: "cached getSecret vs Powertools",
      value: managerOps,
      baseline: powertoolsOps,
      unit: "ops/s",
      ratio: managerOps / powertoolsOps,
      note: "> 1: SecretManager's cached read is faster",
    },
  ];
}
