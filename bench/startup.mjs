// Start-up of the CLI against `node -e 0`: every case runs once per round, in
// alternating rounds, and each figure is the median over rounds divided by the
// baseline's median in the same run. Vault and AWS run against real local dev
// servers (`bao`, `moto_server` on PATH); without them those rows are skipped.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitFor(url, init) {
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(url, init);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

const onPath = (command) => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;

/** Rows for bench/run.mjs. `node` (default: this process's) runs every case. */
export async function benchStartup({ cliBin, bundle, node = process.execPath, rounds = 15 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "secrets-bench-"));
  const children = [];
  const base = { PATH: process.env.PATH ?? "", HOME: dir, SECRET_PROVIDER: "env", LOG_LEVEL: "error" };
  const envs = { env: base };
  try {
    execFileSync(node, [cliBin, "init"], { cwd: dir, env: base, stdio: "ignore" });
    if (onPath("bao")) {
      const port = await freePort();
      children.push(
        spawn(
          "bao",
          ["server", "-dev", "-dev-root-token-id=bench", `-dev-listen-address=127.0.0.1:${port}`],
          {
            stdio: "ignore",
          },
        ),
      );
      const url = `http://127.0.0.1:${port}`;
      await waitFor(`${url}/v1/sys/health`);
      envs.vault = { ...base, SECRET_PROVIDER: "vault", VAULT_URL: url, VAULT_TOKEN: "bench" };
    }
    if (onPath("moto_server")) {
      const port = await freePort();
      children.push(spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" }));
      const url = `http://127.0.0.1:${port}`;
      await waitFor(`${url}/moto-api/`);
      envs.aws = {
        ...base,
        SECRET_PROVIDER: "aws",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "bench",
        AWS_SECRET_ACCESS_KEY: "bench",
        AWS_ENDPOINT_URL: url,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      };
    }
    // init exits 1 for the required secret it cannot generate; SECRET_KEY is created all the same.
    for (const name of ["vault", "aws"])
      if (envs[name]) spawnSync(node, [bundle, "init"], { cwd: dir, env: envs[name], stdio: "ignore" });

    const cases = [
      ["node -e 0", ["-e", "0"], base],
      ["secrets --version start", [cliBin, "--version"], base],
      ["secrets health start (env)", [cliBin, "health"], base],
      ["secrets get start (env)", [cliBin, "get", "SECRET_KEY"], base],
      ["bundled --version start", [bundle, "--version"], base],
      ["bundled health start (env)", [bundle, "health"], base],
      ["bundled get start (env)", [bundle, "get", "SECRET_KEY"], base],
      ...(envs.vault ? [["bundled get start (vault)", [bundle, "get", "SECRET_KEY"], envs.vault]] : []),
      ...(envs.aws ? [["bundled get start (aws)", [bundle, "get", "SECRET_KEY"], envs.aws]] : []),
    ];
    const samples = cases.map(() => []);
    for (const [, args, env] of cases) spawnSync(node, args, { cwd: dir, env, stdio: "ignore" });
    for (let round = 0; round < rounds; round++)
      cases.forEach(([label, args, env], i) => {
        const start = performance.now();
        const r = spawnSync(node, args, { cwd: dir, env, stdio: "ignore" });
        samples[i].push(performance.now() - start);
        if (r.status !== 0 && !label.includes("health")) throw new Error(`${label} exited ${r.status}`);
      });
    const baseline = median(samples[0]);
    return cases.slice(1).map(([label], i) => {
      const ms = median(samples[i + 1]);
      return { name: label, value: ms, baseline, unit: "ms", ratio: ms / baseline, note: "vs `node -e 0`" };
    });
  } finally {
    for (const child of children) child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
