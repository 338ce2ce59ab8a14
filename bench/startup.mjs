// Start-up of the CLI against `node -e 0`: every case runs once per round, in a
// new random order each round (so no case always follows the same one), and
// each figure is the median over rounds divided by the baseline's median in
// the same run. Vault and AWS run against real local dev servers (`bao`,
// `moto_server` on PATH); without them those rows are skipped.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findBinary, median, shuffle, startMoto, startOpenBao } from "./servers.mjs";

/** Rows for bench/run.mjs. `node` (default: this process's) runs every case. */
export async function benchStartup({ root, cliBin, bundle, node = process.execPath, rounds = 41 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "secrets-bench-"));
  const stops = [];
  const base = { PATH: process.env.PATH ?? "", HOME: dir, SECRET_PROVIDER: "env", LOG_LEVEL: "error" };
  const envs = { env: base };
  try {
    // The package CLI finds the Vault and AWS providers as an application's CLI would: installed beside it.
    mkdirSync(path.join(dir, "node_modules", "@org"), { recursive: true });
    for (const name of ["provider-vault", "provider-aws"])
      symlinkSync(
        path.join(root, "packages", name),
        path.join(dir, "node_modules", "@org", `secrets-${name}`),
      );
    execFileSync(node, [cliBin, "init"], { cwd: dir, env: base, stdio: "ignore" });
    if (findBinary(root, "openbao", "bao")) {
      const bao = await startOpenBao(root);
      stops.push(bao.stop);
      envs.vault = { ...base, SECRET_PROVIDER: "vault", VAULT_URL: bao.url, VAULT_TOKEN: bao.token };
    }
    if (findBinary(root, "moto", "moto_server")) {
      const moto = await startMoto(root);
      stops.push(moto.stop);
      envs.aws = {
        ...base,
        SECRET_PROVIDER: "aws",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "bench",
        AWS_SECRET_ACCESS_KEY: "bench",
        AWS_ENDPOINT_URL: moto.url,
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
      ...["vault", "aws"].flatMap((name) => {
        const env = envs[name];
        if (env === undefined) return [];
        const get = ["get", "SECRET_KEY"];
        return [
          [`secrets get start (${name})`, [cliBin, ...get], env],
          [`bundled get start (${name})`, [bundle, ...get], env],
          [
            `bundled get start (${name}, no code cache)`,
            [bundle, ...get],
            { ...env, NODE_DISABLE_COMPILE_CACHE: "1" },
          ],
        ];
      }),
    ];
    const samples = cases.map(() => []);
    // One run of each case before the rounds: it also fills the code cache of the bundle's sections
    // (in HOME/.cache), as any run after the first finds it.
    for (const [, args, env] of cases) spawnSync(node, args, { cwd: dir, env, stdio: "ignore" });
    const order = cases.map((_, i) => i);
    for (let round = 0; round < rounds; round++) {
      shuffle(order);
      for (const i of order) {
        const [label, args, env] = cases[i];
        const start = performance.now();
        const r = spawnSync(node, args, { cwd: dir, env, stdio: "ignore" });
        samples[i].push(performance.now() - start);
        if (r.status !== 0 && !label.includes("health")) throw new Error(`${label} exited ${r.status}`);
      }
    }
    const baseline = median(samples[0]);
    return cases.slice(1).map(([label], i) => {
      const ms = median(samples[i + 1]);
      return { name: label, value: ms, baseline, unit: "ms", ratio: ms / baseline, note: "vs `node -e 0`" };
    });
  } finally {
    await Promise.all(stops.map((stop) => stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
