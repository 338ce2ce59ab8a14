// Benchmarks: every figure is a ratio against a baseline measured in the same run
// on the same machine, so the numbers travel between machines. Not part of the tests.
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The AWS SDK's notice that its next releases drop Node 20 would land in the middle of the table
// (Powertools loads the SDK for the first row); the bench runs on Node 20 too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { SecretManager } = await import(path.join(root, "packages/core/dist/index.js"));
const cliBin = path.join(root, "packages/cli/dist/secrets.cjs");
const bundle = path.join(root, "apps/cli/dist/secrets.cjs");

const rows = [];
// 1. Cached reads against a bare Map, and beside AWS Powertools Parameters (bench/powertools.mjs).
rows.push(...(await (await import("./powertools.mjs")).benchCachedReads(root)));

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

// 3. Start-up time of the CLI against `node -e 0`, every case once per round, in random order.
rows.push(...(await (await import("./startup.mjs")).benchStartup({ root, cliBin, bundle })));

rows.push(await (await import("./redaction.mjs")).benchRedaction(root));
{
  const stale = await import("./stale.mjs");
  rows.push(await stale.benchStale(root));
  rows.push(await stale.benchStaleVault(root));
}
rows.push(...(await (await import("./vault.mjs")).benchVault(root)));
rows.push(...(await (await import("./init.mjs")).benchInit(root)));
rows.push(...(await (await import("./aws.mjs")).benchAws(root)));
// Request counts and wall time against SecretSpec's CLI, when it is installed.
const secretspec = await import("./secretspec.mjs");
const againstSecretSpec = await secretspec.benchSecretSpec(root);

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
secretspec.printSecretSpecTable(againstSecretSpec);
