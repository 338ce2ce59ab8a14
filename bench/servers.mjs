// What every bench shares: a median, a bounded-concurrency loop, and the real
// servers some benches run against (an OpenBao dev server, a moto server) on
// free loopback ports. The binaries come from `.tools/` (pnpm test:tools) or PATH.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Put `items` in a uniformly random order, in place (Fisher-Yates), and return them. */
export function shuffle(items) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function mapLimit(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `.tools/<tool>/bin/<binary>`, else the binary on PATH, else `undefined`. */
export function findBinary(root, tool, binary) {
  const local = path.join(root, ".tools", tool, "bin", binary);
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Start `command` and wait until `ready()` answers true (at most 60 s); resolves to a stop function. */
async function launch(command, args, env, ready) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: "ignore" });
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${path.basename(command)} exited before it was ready`);
    if (await ready().catch(() => false)) {
      return () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`${path.basename(command)} did not become ready`);
}

/** An OpenBao dev server (KV v2 at `secret/`): `{ url, token, stop }`. */
export async function startOpenBao(root) {
  const bao = findBinary(root, "openbao", "bao");
  if (!bao) throw new Error("bao not found: run pnpm test:tools");
  const token = `root-${randomBytes(16).toString("hex")}`;
  const home = mkdtempSync(path.join(os.tmpdir(), "secrets-bench-bao-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stop = await launch(
    bao,
    [
      "server",
      "-dev",
      `-dev-root-token-id=${token}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      "-dev-no-store-token",
    ],
    { HOME: home, VAULT_ADDR: "", BAO_ADDR: "", VAULT_TOKEN: "", BAO_TOKEN: "" },
    async () =>
      (await fetch(`${url}/v1/secret/config`, { headers: { "X-Vault-Token": token } })).status === 200,
  );
  return {
    url,
    token,
    stop: async () => {
      await stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * A moto server, `{ url, stop }`: the tests' own (packages/test-support's
 * atomic-moto.py), which handles each request whole before the next, as AWS
 * applies every call atomically. Plain moto answers HTTP 500 when a
 * BatchGetSecretValue meets a concurrent CreateSecret. Run by the Python beside
 * `moto_server` (a virtual environment's), else `python3`.
 */
export async function startMoto(root) {
  const moto = findBinary(root, "moto", "moto_server");
  if (!moto) throw new Error("moto_server not found: run pnpm test:tools");
  const beside = path.join(path.dirname(moto), "python");
  const python = existsSync(beside) ? beside : "python3";
  const script = path.join(root, "packages", "test-support", "src", "servers", "atomic-moto.py");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stop = await launch(
    python,
    [script, "127.0.0.1", String(port)],
    { PYTHONUNBUFFERED: "1" },
    async () => {
      const response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return response.ok;
    },
  );
  return { url, stop };
}
