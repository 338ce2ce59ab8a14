// Benchmarks: every figure is a ratio against a baseline measured in the same run
// on the same machine, so the numbers travel between machines. Not part of the tests.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { SecretManager } = await import(path.join(root, "packages/core/dist/index.js"));
const cliBin = path.join(root, "packages/cli/dist/bin.js");
const bundle = path.join(root, "apps/cli/dist/secrets.cjs");

const rows = [];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 1. Cached reads against a bare Map.
{
  const provider = {
    name: "bench",
    async get(name) {
      return { value: `value-of-${name}` };
    },
    async set() {},
    async delete() {
      return false;
    },
    async check() {},
  };
  const manager = new SecretManager({ provider, cacheTtlMs: 3_600_000 });
  const map = new Map([["SECRET_KEY", "value-of-SECRET_KEY"]]);
  await manager.getSecret("SECRET_KEY");
  const n = 1_000_000;
  const loop = async (fn) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return performance.now() - start;
  };
  const mapRuns = [];
  const mgrRuns = [];
  for (let round = 0; round < 5; round++) {
    mapRuns.push(await loop(async () => map.get("SECRET_KEY")));
    mgrRuns.push(await loop(() => manager.getSecret("SECRET_KEY")));
  }
  const mapOps = n / (median(mapRuns) / 1000);
  const mgrOps = n / (median(mgrRuns) / 1000);
  rows.push({
    name: "cached getSecret throughput",
    value: mgrOps,
    baseline: mapOps,
    unit: "ops/s",
    ratio: mgrOps / mapOps,
    note: "vs `await map.get()` (1 = as fast as a bare Map)",
  });
}

// 2. Coalescing: N concurrent cold reads of one name.
{
  let calls = 0;
  const provider = {
    name: "bench",
    async get() {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return { value: "v" };
    },
    async set() {},
    async delete() {
      return false;
    },
    async check() {},
  };
  const manager = new SecretManager({ provider });
  const n = 1000;
  await Promise.all(Array.from({ length: n }, () => manager.getSecret("HOT")));
  rows.push({
    name: `coalescing: ${n} concurrent cold reads`,
    value: calls,
    baseline: n,
    unit: "backend calls",
    ratio: calls / n,
    note: `${calls} call(s) instead of ${n}`,
  });
}

// 3. Start-up time of the CLI against `node -e 0`.
{
  const dir = mkdtempSync(path.join(os.tmpdir(), "secrets-bench-"));
  const env = { ...process.env, SECRET_PROVIDER: "env", LOG_LEVEL: "silent" };
  delete env.NODE_OPTIONS;
  const time = (args, runs = 15) => {
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const r = spawnSync(process.execPath, args, { cwd: dir, env, stdio: "ignore" });
      samples.push(performance.now() - start);
      if (r.status !== 0 && args[1] !== "health") throw new Error(`${args.join(" ")} exited ${r.status}`);
    }
    return median(samples);
  };
  execFileSync(process.execPath, [cliBin, "init"], { cwd: dir, env, stdio: "ignore" });
  const base = time(["-e", "0"]);
  for (const [label, args] of [
    ["secrets --version", [cliBin, "--version"]],
    ["secrets health (env provider)", [cliBin, "health"]],
    ["bundled secrets.cjs --version", [bundle, "--version"]],
    ["bundled secrets.cjs health", [bundle, "health"]],
  ]) {
    const ms = time(args);
    rows.push({
      name: `${label} start`,
      value: ms,
      baseline: base,
      unit: "ms",
      ratio: ms / base,
      note: "vs `node -e 0`",
    });
  }
  writeFileSync(path.join(dir, ".keep"), "");
  rmSync(dir, { recursive: true, force: true });
}

rows.push(await (await import("./redaction.mjs")).benchRedaction(root));
rows.push(await (await import("./stale.mjs")).benchStale(root));
rows.push(...(await (await import("./vault.mjs")).benchVault(root)));
rows.push(...(await (await import("./init.mjs")).benchInit(root)));
rows.push(...(await (await import("./aws.mjs")).benchAws(root)));

const fmt = (x) =>
  x >= 1000 ? Math.round(x).toLocaleString("en-US") : x >= 10 ? x.toFixed(1) : x.toFixed(3);
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}\n`,
);
console.log(
  `${"benchmark".padEnd(44)} ${"measured".padStart(14)} ${"baseline".padStart(14)} ${"ratio".padStart(8)}  unit / note`,
);
for (const r of rows)
  console.log(
    `${r.name.padEnd(44)} ${fmt(r.value).padStart(14)} ${fmt(r.baseline).padStart(14)} ${r.ratio.toFixed(3).padStart(8)}  ${r.unit}; ${r.note}`,
  );
