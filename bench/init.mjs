// `init` at scale: creating 100 and 1,000 secrets through the initializer, against
// the raw client creating the same secrets with the same concurrency, in the same run.
//   env:   what a correct raw writer of a shared file must do, no more: take a lock
//          file (O_EXCL), read the file there is (none: each run writes a new one),
//          generate the values, write the file atomically and durably (temporary
//          file, fsync, rename, fsync of the directory) and remove the lock
//   Vault: node-vault writes against a real OpenBao dev server
//   AWS:   SDK CreateSecret against a real moto server
// Each figure is the median of a few runs (env: 21 and 15, Vault and AWS: 4), alternating
// with the raw client after one untimed run of each, each going first every other run;
// each run creates fresh secrets (a new prefix or file).
// Runs alone with `node bench/init.mjs [env] [vault] [aws]` (the backends named, all three
// by default), or as part of bench/run.mjs.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { mapLimit, median, startMoto, startOpenBao } from "./servers.mjs";

const SIZES = [100, 1000];
/** Writes in flight for the raw loops: the manager's default concurrency. */
const CONCURRENCY = 8;

const hex = () => randomBytes(32).toString("hex");

/**
 * Time `a` and `b` in alternating runs (after one untimed run of each), each going first
 * every other run, so that both meet the same load on a shared machine and the same
 * fill of a server; the median of each in milliseconds.
 */
async function timedPair(runs, a, b) {
  const samples = [[], []];
  for (let run = -1; run < runs; run++) {
    // Each goes first every other run: a server that slows as it fills (moto) slows both alike.
    const order = run % 2 === 0 ? [1, 0] : [0, 1];
    for (const i of order) {
      const fn = i === 0 ? a : b;
      const prepared = await fn.prepare(run);
      const start = performance.now();
      await fn.run(prepared);
      if (run >= 0) samples[i].push(performance.now() - start);
      await fn.check?.(prepared);
    }
  }
  return samples.map(median);
}

function manifestText(count) {
  let text = "version: 1\nsecrets:\n";
  for (let i = 0; i < count; i++) text += `  S_${i}: { generate: { kind: hex, length: 64 } }\n`;
  return text;
}

/** Rows for bench/run.mjs: init of 100 and 1,000 secrets on each backend against its raw client. */
export async function benchInit(root, backends = ["env", "vault", "aws"]) {
  const chosen = new Set(backends);
  const dist = (pkg, file = "index.js") => path.join(root, "packages", pkg, "dist", file);
  const { SecretManager } = await import(dist("core"));
  const { parseManifest, SecretInitializer } = await import(dist("initializer"));
  const { createEnvProvider } = await import(dist("provider-env"));
  const { createVaultProvider } = await import(dist("provider-vault"));
  const { createAwsProvider } = await import(dist("provider-aws"));
  const vaultRequire = createRequire(path.join(root, "packages/provider-vault/package.json"));
  const awsRequire = createRequire(path.join(root, "packages/provider-aws/package.json"));
  const nodeVault = vaultRequire("node-vault");
  const { SecretsManagerClient, CreateSecretCommand } = awsRequire("@aws-sdk/client-secrets-manager");

  const manifests = new Map(SIZES.map((n) => [n, parseManifest(manifestText(n))]));
  const init = async (provider, count) => {
    const manager = new SecretManager({ provider, concurrency: CONCURRENCY, timeoutMs: 120_000 });
    const result = await new SecretInitializer({
      manager,
      manifest: manifests.get(count),
      production: true,
    }).initializeSecrets();
    const created = result.secrets.filter((s) => s.action === "created").length;
    if (!result.ok || created !== count) throw new Error(`init created ${created} of ${count}`);
  };
  const rows = [];
  const row = (backend, count, measured, baseline, note) =>
    rows.push({
      name: `init of ${count.toLocaleString("en-US")} secrets (${backend})`,
      value: measured,
      baseline,
      unit: "ms",
      ratio: measured / baseline,
      note,
    });
  const growth = (times) => (times.get(1000) / times.get(100) / 10).toFixed(2);

  // env: the initializer writing a fresh .env, against the raw locked, atomic, durable write of the same file.
  if (chosen.has("env")) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "secrets-bench-init-"));
    const times = new Map();
    try {
      for (const count of SIZES) {
        const runs = count === 1000 ? 15 : 21;
        const [raw, ours] = await timedPair(
          runs,
          {
            prepare: (run) => path.join(dir, `raw-${count}-${run}.env`),
            run: (file) => {
              // Writers of one file take turns: a lock file, created only if there is none.
              const lock = openSync(`${file}.lock`, "wx", 0o600);
              try {
                writeSync(lock, `${process.pid}\n`);
                // The file there is, whose lines a create keeps (none: each run writes a new one).
                let text = "";
                try {
                  text = readFileSync(file, "utf8");
                } catch (error) {
                  if (error.code !== "ENOENT") throw error;
                }
                for (let i = 0; i < count; i++) text += `S_${i}=${hex()}\n`;
                const temporary = `${file}.tmp`;
                const fd = openSync(temporary, "wx", 0o600);
                try {
                  writeSync(fd, text);
                  fsyncSync(fd);
                } finally {
                  closeSync(fd);
                }
                renameSync(temporary, file);
                // The rename is durable once the directory is flushed, as writeSecretFile does.
                const dirFd = openSync(path.dirname(file), "r");
                try {
                  fsyncSync(dirFd);
                } finally {
                  closeSync(dirFd);
                }
              } finally {
                closeSync(lock);
                unlinkSync(`${file}.lock`);
              }
            },
          },
          {
            prepare: (run) =>
              createEnvProvider({ path: path.join(dir, `init-${count}-${run}.env`), env: {} }),
            run: (provider) => init(provider, count),
          },
        );
        times.set(count, ours);
        row("env", count, ours, raw, "vs a raw locked, atomic, durable write of the generated values");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    rows.at(-1).note += `; growth 100→1,000 = ${growth(times)} × linear`;
  }

  // Vault: a real OpenBao dev server, KV v2 at secret/.
  if (chosen.has("vault")) {
    const { url, token, stop } = await startOpenBao(root);
    const times = new Map();
    try {
      for (const count of SIZES) {
        const runs = 4;
        const [raw, ours] = await timedPair(
          runs,
          {
            prepare: (run) => `raw-${count}-${run}`,
            // A fresh client each run, as init starts with a fresh provider.
            run: (prefix) => {
              const client = nodeVault({ endpoint: url, token, apiVersion: "v1" });
              return mapLimit(
                Array.from({ length: count }, (_, i) => i),
                CONCURRENCY,
                (i) =>
                  client.write(`secret/data/${prefix}/S_${i}`, {
                    data: { value: hex() },
                    options: { cas: 0 },
                  }),
              );
            },
          },
          {
            prepare: (run) =>
              createVaultProvider({ url, token, mount: "secret", prefix: `init-${count}-${run}` }),
            run: (provider) => init(provider, count),
            check: (provider) => provider.close?.(),
          },
        );
        times.set(count, ours);
        row("Vault", count, ours, raw, `vs node-vault create (cas=0) writes, ${CONCURRENCY} in flight`);
      }
    } finally {
      await stop();
    }
    rows.at(-1).note += `; growth 100→1,000 = ${growth(times)} × linear`;
  }

  // AWS: a real moto server.
  if (chosen.has("aws")) {
    const { url: endpoint, stop } = await startMoto(root);
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIABENCHMARK0000000",
      AWS_SECRET_ACCESS_KEY: "bench-dummy-secret-access-key",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_CONFIG_FILE: path.join(os.tmpdir(), "no-such-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), "no-such-aws-credentials"),
    });
    const times = new Map();
    try {
      for (const count of SIZES) {
        const runs = 4;
        const [raw, ours] = await timedPair(
          runs,
          {
            prepare: (run) => `raw-${count}-${run}`,
            // A fresh client each run, as init starts with a fresh provider.
            run: async (prefix) => {
              const client = new SecretsManagerClient({ region: "us-east-1", endpoint });
              await mapLimit(
                Array.from({ length: count }, (_, i) => i),
                CONCURRENCY,
                (i) =>
                  client.send(new CreateSecretCommand({ Name: `${prefix}/S_${i}`, SecretString: hex() })),
              );
              client.destroy();
            },
          },
          {
            prepare: (run) => createAwsProvider({ region: "us-east-1", prefix: `init-${count}-${run}` }),
            run: (provider) => init(provider, count),
            check: (provider) => provider.close?.(),
          },
        );
        times.set(count, ours);
        row("AWS", count, ours, raw, `vs SDK CreateSecret, ${CONCURRENCY} in flight`);
      }
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await stop();
    }
    rows.at(-1).note += `; growth 100→1,000 = ${growth(times)} × linear`;
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const fmt = (x) =>
    x >= 1000 ? Math.round(x).toLocaleString("en-US") : x >= 10 ? x.toFixed(1) : x.toFixed(3);
  const named = process.argv.slice(2);
  for (const r of await benchInit(root, named.length > 0 ? named : undefined))
    console.log(
      `${r.name.padEnd(44)} ${fmt(r.value).padStart(10)} ${fmt(r.baseline).padStart(10)} ${r.ratio.toFixed(3).padStart(8)}  ${r.unit}; ${r.note}`,
    );
}
