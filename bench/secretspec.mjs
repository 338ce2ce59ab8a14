// The `secrets` command against SecretSpec's CLI doing the same jobs on the same
// OpenBao and moto servers, each behind a loopback proxy that counts the requests
// (Vault: method and path; AWS: the operation). Both work on the same entries:
// SecretSpec's layout (`secretspec/<project>/<profile>/<NAME>`, the value in the
// `value` field on Vault) is ours with that prefix. Times are medians of a few
// runs of each process, start-up included; the ratio is ours over SecretSpec's.
// Without `secretspec` (PATH or ~/.cargo/bin) this prints one line and does nothing.
//
//   node bench/secretspec.mjs          (or as part of `pnpm bench`)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findBinary, median, startMoto, startOpenBao } from "./servers.mjs";

const SECRETS = 10;
const ROUNDS = 5;
const PROJECT = "bench";
const PROFILE = "default";
const INSTALL = "cargo install secretspec --no-default-features --features cli,vault,openbao,awssm";

/** `secretspec` on PATH, else in ~/.cargo/bin, else `undefined`. */
export function findSecretSpec(root) {
  const onPath = findBinary(root, "secretspec", "secretspec");
  if (onPath) return onPath;
  const cargo = path.join(os.homedir(), ".cargo", "bin", "secretspec");
  return existsSync(cargo) ? cargo : undefined;
}

/** A loopback proxy in front of `target` that records the key of every request it passes on. */
async function countingProxy(target, flavor) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  let seen = [];
  const server = http.createServer((req, res) => {
    const operation = String(req.headers["x-amz-target"] ?? "").replace(/^secretsmanager\./, "");
    seen.push(flavor === "aws" && operation ? operation : `${req.method} ${req.url.split("?")[0]}`);
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** The keys seen since the last call, and start over. */
    take() {
      const keys = seen;
      seen = [];
      return keys;
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

const names = (stem) => Array.from({ length: SECRETS }, (_, i) => `${stem}_${String(i).padStart(2, "0")}`);

/** A project directory with both tools' declarations of `list` (`generate`: created when missing). */
function project(parent, dirName, projectName, list, generate) {
  const dir = path.join(parent, dirName);
  mkdirSync(dir, { recursive: true });
  const toml = [`[project]`, `name = "${projectName}"`, `revision = "1.0"`, "", `[profiles.${PROFILE}]`];
  let yaml = "version: 1\nsecrets:\n";
  for (const name of list) {
    toml.push(
      `${name} = { description = "bench", required = true${generate ? `, type = "hex", generate = { bytes = 32 }` : ""} }`,
    );
    yaml += `  ${name}: { required: true, generate: ${generate ? "{ kind: hex, length: 64 }" : "false"} }\n`;
  }
  writeFileSync(path.join(dir, "secretspec.toml"), `${toml.join("\n")}\n`);
  writeFileSync(path.join(dir, "secrets.yaml"), yaml);
  return dir;
}

/** What the requests were: `GET /v1/secret/data/secretspec/…/NAME ×10, …` (one secret's path stands for all). */
function describe(keys) {
  const byKey = new Map();
  for (const key of keys) {
    const k = key.replace(/\/secretspec\/[^/]+\/[^/]+\/[^/]+$/, "/secretspec/…/NAME");
    byKey.set(k, (byKey.get(k) ?? 0) + 1);
  }
  return [...byKey].map(([k, n]) => `${k} ×${n}`).join(", ") || "none";
}

/** Rows for bench/run.mjs (empty when SecretSpec is not installed). */
export async function benchSecretSpec(root) {
  const secretspec = findSecretSpec(root);
  if (!secretspec) {
    console.log(
      `secretspec comparison skipped: secretspec not found on PATH or in ~/.cargo/bin (install: ${INSTALL})`,
    );
    return [];
  }
  const bundle = path.join(root, "apps/cli/dist/secrets.cjs");
  const version = spawnSync(secretspec, ["--version"], { encoding: "utf8" }).stdout.trim();
  const home = mkdtempSync(path.join(os.tmpdir(), "secrets-bench-secretspec-"));
  const stops = [];
  const rows = [];
  try {
    const bao = await startOpenBao(root);
    stops.push(bao.stop);
    const moto = await startMoto(root);
    stops.push(moto.stop);
    const baoProxy = await countingProxy(bao.url, "vault");
    stops.push(baoProxy.stop);
    const motoProxy = await countingProxy(moto.url, "aws");
    stops.push(motoProxy.stop);

    const base = { PATH: process.env.PATH ?? "", HOME: home, LOG_LEVEL: "error", NO_COLOR: "1" };
    const backends = {
      vault: {
        proxy: baoProxy,
        ours: (prefix) => ({
          ...base,
          SECRET_PROVIDER: "vault",
          VAULT_URL: baoProxy.url,
          VAULT_TOKEN: bao.token,
          VAULT_PATH_PREFIX: prefix,
        }),
        theirs: {
          ...base,
          BAO_TOKEN: bao.token,
          SECRETSPEC_PROVIDER: `openbao://${new URL(baoProxy.url).host}/secret?tls=false`,
        },
      },
      aws: {
        proxy: motoProxy,
        ours: (prefix) => ({
          ...base,
          SECRET_PROVIDER: "aws",
          SECRET_AWS_PREFIX: prefix,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "AKIABENCH00000000000",
          AWS_SECRET_ACCESS_KEY: "bench-dummy-key",
          AWS_ENDPOINT_URL: motoProxy.url,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        }),
        theirs: {
          ...base,
          AWS_ACCESS_KEY_ID: "AKIABENCH00000000000",
          AWS_SECRET_ACCESS_KEY: "bench-dummy-key",
          AWS_ENDPOINT_URL: motoProxy.url,
          AWS_EC2_METADATA_DISABLED: "true",
          SECRETSPEC_PROVIDER: "awssm://us-east-1",
        },
      },
    };

    const declared = names("S");
    const dir = project(home, "read", PROJECT, declared, false);
    const prefix = (projectName) => `secretspec/${projectName}/${PROFILE}`;

    /** Run one process (asynchronously: the proxies live in this one); its wall time and the requests its backend saw. */
    const exec = async (backend, tool, cwd, args, env, input) => {
      backend.proxy.take();
      const command = tool === "theirs" ? secretspec : process.execPath;
      const argv = tool === "theirs" ? args : [bundle, ...args];
      const start = performance.now();
      // stdin only for a job that has input: with a closed stdin pipe, SecretSpec's `run` was
      // killed by SIGPIPE in about 1 run of 15 (not so with no stdin); the same for both tools.
      const stdin = input === undefined ? "ignore" : "pipe";
      const child = spawn(command, argv, { cwd, env, stdio: [stdin, "pipe", "pipe"], timeout: 60_000 });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.stdin?.end(input);
      const [code, signal] = await new Promise((resolve) => child.on("close", (...r) => resolve(r)));
      const ms = performance.now() - start;
      const keys = backend.proxy.take();
      if (code !== 0) {
        const why = stderr.trim().split("\n").at(-1);
        throw new Error(`${tool} ${args.join(" ")} exited ${code ?? signal}: ${why}`);
      }
      return { ms, keys, stdout };
    };

    for (const [backendName, backend] of Object.entries(backends)) {
      // The secrets both read, written once through SecretSpec.
      for (const name of declared)
        await exec(
          backend,
          "theirs",
          dir,
          ["set", name, "--from-file", "-"],
          backend.theirs,
          `value of ${name}`,
        );
      const oursEnv = backend.ours(prefix(PROJECT));
      const check = await exec(backend, "ours", dir, ["get", declared[0]], oursEnv);
      if (check.stdout !== `value of ${declared[0]}`)
        throw new Error(`ours read another entry on ${backendName}`);

      let fresh = 0;
      const jobs = [
        ["get one secret", ["get", declared[0]], ["get", declared[0]]],
        [`health / check of ${SECRETS}`, ["health"], ["check", "--no-prompt"]],
        [`export ${SECRETS} (dotenv)`, ["export", "--format", "env"], ["export", "--format", "dotenv"]],
        [`run a command with ${SECRETS}`, ["run", "--", "true"], ["run", "--", "true"]],
        [
          "set one secret (overwrite)",
          ["set", declared[1]],
          ["set", declared[1], "--from-file", "-"],
          "new value",
        ],
        [`init ${SECRETS} missing (generate)`, ["init"], ["check", "--no-prompt"], undefined, true],
      ];
      // Vault also as configured with the KV version known (VAULT_KV_VERSION=2), as SecretSpec assumes it.
      const tools = backendName === "vault" ? ["ours", "pinned", "theirs"] : ["ours", "theirs"];
      for (const [job, ourArgs, theirArgs, input, generates] of jobs) {
        const samples = { ours: [], pinned: [], theirs: [] };
        const counts = { ours: [], pinned: [], theirs: [] };
        const last = {};
        // One untimed run each, then alternating timed rounds.
        for (let round = -1; round < ROUNDS; round++)
          for (const tool of tools) {
            let cwd = dir;
            let env = tool === "theirs" ? backend.theirs : oursEnv;
            if (generates) {
              // A new project each time, so every secret is missing.
              const projectName = `gen${fresh++}`;
              cwd = project(home, projectName, projectName, names("G"), true);
              if (tool !== "theirs") env = backend.ours(prefix(projectName));
            }
            if (tool === "pinned") env = { ...env, VAULT_KV_VERSION: "2" };
            const run = await exec(backend, tool, cwd, tool === "theirs" ? theirArgs : ourArgs, env, input);
            if (round < 0) continue;
            samples[tool].push(run.ms);
            counts[tool].push(run.keys.length);
            last[tool] = run.keys;
          }
        const span = (xs) =>
          Math.min(...xs) === Math.max(...xs) ? `${xs[0]}` : `${Math.min(...xs)}–${Math.max(...xs)}`;
        const ours = median(samples.ours);
        const theirs = median(samples.theirs);
        rows.push({
          name: `${backendName}: ${job}`,
          value: ours,
          baseline: theirs,
          unit: "ms",
          ratio: ours / theirs,
          note: `vs secretspec ${ourArgs.join(" ") === theirArgs.join(" ") ? "" : `\`${theirArgs.join(" ")}\``}`.trim(),
          requests: {
            ours: span(counts.ours),
            pinned: counts.pinned.length ? span(counts.pinned) : "–",
            theirs: span(counts.theirs),
            oursKeys: describe(last.ours),
            theirsKeys: describe(last.theirs),
            // Like for like: SecretSpec is told the KV version (v2 unless its URI says kv=1), so on
            // Vault the comparison is with ours told it too; the default's one mount lookup is shown beside.
            more:
              Math.max(...(counts.pinned.length ? counts.pinned : counts.ours)) > Math.min(...counts.theirs),
          },
        });
      }
    }
    // What a Node.js process costs before it does anything, for the wall-time ratios.
    const bare = [];
    for (let round = 0; round < ROUNDS; round++) {
      const start = performance.now();
      // With the jobs' environment: one that sets NODE_EXTRA_CA_CERTS, say, makes every start slower.
      spawnSync(process.execPath, ["-e", "0"], { env: base, stdio: "ignore" });
      bare.push(performance.now() - start);
    }
    rows.version = version;
    rows.nodeMs = median(bare);
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(home, { recursive: true, force: true });
  }
  return rows;
}

/** The comparison table: job, requests each, wall-time ratio; then what the requests were. */
export function printSecretSpecTable(rows) {
  if (rows.length === 0) return;
  console.log(
    `\n${rows.version ?? "secretspec"}: requests per command and wall time (median of ${ROUNDS}; \`node -e 0\`: ${rows.nodeMs.toFixed(1)} ms)\n`,
  );
  console.log(
    `${"job".padEnd(38)} ${"ours".padStart(6)} ${"kv pinned".padStart(10)} ${"secretspec".padStart(11)} ${"ours ms".padStart(9)} ${"theirs ms".padStart(10)} ${"ratio".padStart(7)}`,
  );
  for (const r of rows)
    console.log(
      `${r.name.padEnd(38)} ${r.requests.ours.padStart(6)} ${r.requests.pinned.padStart(10)} ${r.requests.theirs.padStart(11)} ${r.value.toFixed(1).padStart(9)} ${r.baseline.toFixed(1).padStart(10)} ${r.ratio.toFixed(2).padStart(7)}${r.requests.more ? "  MORE REQUESTS" : ""}`,
    );
  console.log("");
  console.log(
    "kv pinned: ours with VAULT_KV_VERSION=2, as SecretSpec assumes KV v2 unless its URI says kv=1; MORE REQUESTS\n" +
      "compares like for like (pinned on Vault): without the setting ours looks the mount's version up once per process\n",
  );
  for (const r of rows)
    console.log(`${r.name}\n  ours:       ${r.requests.oursKeys}\n  secretspec: ${r.requests.theirsKeys}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  printSecretSpecTable(await benchSecretSpec(root));
}
