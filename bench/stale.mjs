// Stale-if-error under a hanging backend: a warm manager whose values are past
// their TTL keeps answering within the stale wait bound while the provider hangs.
// Reported as the slowest read seen, as a multiple of the bound (1.0 = exactly the bound):
// once with an in-process provider that never answers, once with a real OpenBao
// behind a loopback proxy that stops answering (benchStaleVault).
import net from "node:net";
import path from "node:path";
import { startOpenBao } from "./servers.mjs";

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
  const { slowest, reads } = await readWhileHanging(manager, names, 3_000);
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

/**
 * A loopback TCP proxy that forwards, or hangs: while hanging it accepts
 * connections and drops what clients send, kept-alive connections included,
 * so every request goes unanswered.
 */
async function hangingProxy(target) {
  const { hostname, port } = new URL(target);
  let hanging = false;
  let dropped = 0;
  const sockets = new Set();
  const server = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect(Number(port), hostname);
    sockets.add(upstream);
    client.on("data", (chunk) => {
      if (hanging) dropped++;
      else upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      a.on("error", () => b.destroy());
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    dropped: () => dropped,
    hang: (on) => {
      hanging = on;
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The same measure against a real OpenBao behind a proxy that stops answering. */
export async function benchStaleVault(root) {
  const { SecretManager } = await import(path.join(root, "packages/core/dist/index.js"));
  const { createVaultProvider } = await import(path.join(root, "packages/provider-vault/dist/index.js"));
  const server = await startOpenBao(root);
  const proxy = await hangingProxy(server.url);
  const ttlMs = 200;
  const staleWaitMs = 250;
  const timeoutMs = 1_000;
  const provider = await createVaultProvider({
    url: proxy.url,
    token: server.token,
    prefix: "bench-stale",
    maxRetries: 0,
    renewToken: false,
  });
  const manager = new SecretManager({
    provider,
    cacheTtlMs: ttlMs,
    staleIfErrorMs: 60_000,
    staleWaitMs,
    timeoutMs,
  });
  const names = Array.from({ length: 8 }, (_, i) => `SECRET_${i}`);
  try {
    for (const name of names) await manager.setSecret(name, `value-of-${name}`);
    await manager.getSecrets(names);
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 5));
    proxy.hang(true);

    // 4 s of traffic while OpenBao hangs: refreshes time out at timeoutMs and start again.
    const { slowest, reads } = await readWhileHanging(manager, names, 4_000);
    return {
      name: "stale read while OpenBao hangs",
      value: slowest,
      baseline: staleWaitMs,
      unit: "ms",
      ratio: slowest / staleWaitMs,
      note: `slowest of ${reads} reads (${proxy.dropped()} requests left unanswered), real OpenBao behind a hanging proxy, vs staleWaitMs (1 = the bound)`,
    };
  } finally {
    proxy.hang(false);
    await manager.close();
    await proxy.stop();
    await server.stop();
  }
}

/**
 * Two readers per name for `ms`, each reading, checking the value and pausing
 * 5 ms: the slowest single read and how many there were.
 */
async function readWhileHanging(manager, names, ms) {
  let slowest = 0;
  let reads = 0;
  const until = performance.now() + ms;
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
  return { slowest, reads };
}
