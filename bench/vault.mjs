// Vault round trips and wall time, against an OpenBao dev server this bench starts
// (`bao` on PATH) on a free loopback port. Every time is a ratio against raw
// node-vault doing the same work in the same run; counts are the requests sent.
//
//   node bench/vault.mjs          (or as part of `pnpm bench`)
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { mapLimit, median, shuffle, startOpenBao } from "./servers.mjs";

const READS = 200;
const CREATES = 1000;
const CONCURRENCY = 16;
const ROUNDS = 15;

/** Rows for bench/run.mjs. */
export async function benchVault(root) {
  const core = await import(path.join(root, "packages/core/dist/index.js"));
  const { createVaultProvider } = await import(path.join(root, "packages/provider-vault/dist/index.js"));
  const { SecretInitializer, parseManifest } = await import(
    path.join(root, "packages/initializer/dist/index.js")
  );
  const nodeVault = createRequire(path.join(root, "packages/provider-vault/package.json"))("node-vault");
  const server = await startOpenBao(root);
  const rows = [];
  try {
    const raw = nodeVault({ endpoint: server.url, token: server.token });
    let sent = 0;
    const logger = core.createLogger({
      level: "debug",
      write: (line) => {
        if (line.includes("vault.request")) sent++;
      },
    });
    // Requests are counted from the debug log in separate runs: formatting every line costs time.
    const toolkit = async (prefix, counted = false) =>
      createVaultProvider({
        url: server.url,
        token: server.token,
        prefix,
        ...(counted ? { logger } : {}),
      });

    // 1. Export-all equivalent: list the prefix, read every secret.
    const prefix = "bench-read";
    const names = Array.from({ length: READS }, (_, i) => `S_${String(i).padStart(4, "0")}`);
    await mapLimit(names, CONCURRENCY, (name) =>
      raw.write(`secret/data/${prefix}/${name}`, { data: { value: `value-of-${name}` } }),
    );
    const rawList = async () =>
      (await raw.list(`secret/metadata/${prefix}`)).data.keys.filter((k) => !k.endsWith("/"));
    const sequential = async () => {
      for (const name of await rawList()) await raw.read(`secret/data/${prefix}/${name}`);
    };
    const parallel = async () => {
      await Promise.all((await rawList()).map((name) => raw.read(`secret/data/${prefix}/${name}`)));
    };
    const viaToolkit = async (counted = false) => {
      // A fresh process's export: connect (mount lookup), list, read everything.
      const manager = new core.SecretManager({ provider: await toolkit(prefix, counted) });
      const listed = await manager.listSecrets();
      const values = await manager.getSecrets(listed);
      if (values.size !== READS) throw new Error(`read ${values.size} of ${READS}`);
      await manager.close();
    };
    const time = async (fn) => {
      const start = performance.now();
      await fn();
      return performance.now() - start;
    };
    const seq = [];
    const all = [];
    const ours = [];
    await parallel(); // warm-up
    sent = 0;
    await viaToolkit(true);
    const exportRequests = sent;
    // Each round runs the three in a new random order: the server's state (its caches, its
    // open connections) then favours none of them.
    for (let round = 0; round < ROUNDS; round++) {
      const order = shuffle([
        async () => seq.push(await time(sequential)),
        async () => all.push(await time(parallel)),
        async () => ours.push(await time(viaToolkit)),
      ]);
      for (const run of order) await run();
    }
    rows.push({
      name: `vault export-all read of ${READS}`,
      value: median(ours),
      baseline: median(all),
      unit: "ms",
      ratio: median(ours) / median(all),
      note: `vs raw node-vault Promise.all (${median(all).toFixed(1)} ms); sequential loop ${median(seq).toFixed(1)} ms (ratio ${(median(ours) / median(seq)).toFixed(3)}); ${exportRequests} requests (bound ${READS + Math.ceil(READS / 100) + 1})`,
    });

    // 2. Creating 1,000 secrets: raw check-and-set creates vs the toolkit, both 16 at a time.
    const createNames = Array.from({ length: CREATES }, (_, i) => `C_${String(i).padStart(5, "0")}`);
    const rawStart = performance.now();
    await mapLimit(createNames, CONCURRENCY, (name) =>
      raw.write(`secret/data/bench-raw/${name}`, {
        data: { value: randomBytes(24).toString("hex") },
        options: { cas: 0 },
      }),
    );
    const rawMs = performance.now() - rawStart;

    const create = async (prefix, counted) => {
      const creator = new core.SecretManager({
        provider: await toolkit(prefix, counted),
        concurrency: CONCURRENCY,
      });
      const start = performance.now();
      await mapLimit(createNames, CONCURRENCY, (name) =>
        creator.setSecret(name, randomBytes(24).toString("hex"), { ifAbsent: true }),
      );
      const ms = performance.now() - start;
      await creator.close();
      return ms;
    };
    const createMs = await create("bench-create", false);
    sent = 0;
    await create("bench-create-counted", true);
    const createRequests = sent;
    rows.push({
      name: `vault create of ${CREATES} (setSecret ifAbsent)`,
      value: createMs,
      baseline: rawMs,
      unit: "ms",
      ratio: createMs / rawMs,
      note: `vs raw node-vault cas=0 writes, ${CONCURRENCY} at a time; ${createRequests} requests (raw: ${CREATES})`,
    });

    // 3. `init` of a 1,000-secret manifest through the initializer (reads, creates, rotation metadata).
    const manifestYaml = [
      "version: 1",
      "secrets:",
      ...createNames.flatMap((name) => [`  ${name}:`, "    generate: hex", "    rotation: 90d"]),
    ].join("\n");
    const init = async (prefix, counted) => {
      const manager = new core.SecretManager({
        provider: await toolkit(prefix, counted),
        concurrency: CONCURRENCY,
      });
      const initializer = new SecretInitializer({
        manager,
        manifest: parseManifest(manifestYaml, "bench.yaml"),
        env: { NODE_ENV: "production" },
      });
      const start = performance.now();
      const result = await initializer.initializeSecrets();
      const ms = performance.now() - start;
      await manager.close();
      return { ms, created: result.secrets.filter((s) => s.action === "created").length };
    };
    const { ms: initMs, created } = await init("bench-init", false);
    sent = 0;
    await init("bench-init-counted", true);
    const initRequests = sent;
    rows.push({
      name: `vault init of ${CREATES} (initializer)`,
      value: initMs,
      baseline: rawMs,
      unit: "ms",
      ratio: initMs / rawMs,
      note: `vs raw node-vault cas=0 writes, ${CONCURRENCY} at a time; ${created} created with ${initRequests} requests (raw: ${CREATES})`,
    });
  } finally {
    await server.stop();
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  for (const r of await benchVault(root))
    console.log(
      `${r.name.padEnd(44)} ${r.value.toFixed(1).padStart(10)} ${r.baseline.toFixed(1).padStart(10)} ${r.ratio.toFixed(3).padStart(8)}  ${r.unit}; ${r.note}`,
    );
}
