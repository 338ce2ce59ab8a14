/**
 * Hangs through the HostileProxy in front of real OpenBao and moto: CLI
 * commands end with a clear timeout error, a warm manager serves its stale
 * value while the backend hangs and stops after the stale window, it recovers
 * when the backend answers again, and the client closes every hung socket.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { createLogger, createSecretManagerFromEnv, type SecretProvider } from "@org/secrets-core";
import { type CliProject, createCliProject, HostileProxy, mapLimit, runCli } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsBackend, vaultBackend } from "./support/backends.js";
import { PACKAGE_DIR } from "./support/hunt.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of [vaultBackend(), awsBackend()]) {
  describe(`${backend.name} behind a hanging proxy`, () => {
    let proxy: HostileProxy;
    let project: CliProject;
    let direct: SecretProvider;
    const value = `stale-value-${backend.name}`;

    beforeAll(async () => {
      const url = await backend.start();
      proxy = await new HostileProxy({ target: url, flavor: backend.name }).start();
      direct = await backend.direct(proxy.url);
      await direct.set("HANG_VALUE", value);
      project = await createCliProject([`@org/secrets-provider-${backend.name}`], PACKAGE_DIR);
      await fs.writeFile(
        path.join(project.dir, "secrets.yaml"),
        "version: 1\nsecrets:\n  HANG_VALUE:\n    required: true\n  GEN_KEY:\n    generate: hex\n",
      );
    });

    afterAll(async () => {
      await proxy?.stop();
      await project?.remove();
      await backend.stop();
    });

    it("get, health and init end with exit 1 and a timeout message when SECRET_TIMEOUT=2", async () => {
      proxy.set({ kind: "hang" });
      const commands = [["get", "HANG_VALUE"], ["health"], ["init"]];
      const results = await mapLimit(commands, 3, (args) =>
        runCli(args, {
          cwd: project.dir,
          env: { HOME: project.dir, ...backend.env(proxy.url), SECRET_TIMEOUT: "2" },
          timeoutMs: 30_000,
        }),
      );
      const summary = results.map((r, i) => ({
        command: commands[i]?.join(" "),
        code: r.code,
        timedOut: r.timedOut,
        stderr: r.stderr.trim(),
        stdout: r.stdout.trim(),
      }));
      for (const line of summary) {
        expect(line, JSON.stringify(line)).toMatchObject({ code: 1, timedOut: false });
        // `health` reports an unreachable backend in its report on standard output once the
        // provider is loaded, or on standard error when connecting itself timed out.
        const said = line.command === "health" ? `${line.stdout}\n${line.stderr}` : line.stderr;
        expect(said, line.command).toMatch(/did not answer within 2 s/);
        expect(line.stderr.split("\n").length, line.command).toBeLessThanOrEqual(2);
      }
      expect(proxy.hungSockets().hung).toBeGreaterThan(0);
    }, 60_000);

    it("a warm manager serves the stale value while the backend hangs, then an error, then recovers", async () => {
      proxy.forward();
      const lines: string[] = [];
      const manager = createSecretManagerFromEnv({
        env: {
          ...backend.env(proxy.url),
          SECRET_TIMEOUT: "2",
          SECRET_CACHE_TTL: "1",
          SECRET_CACHE_STALE_IF_ERROR: "6",
          SECRET_CACHE_STALE_WAIT: "1",
        },
        cwd: PACKAGE_DIR,
        logger: createLogger({ level: "warn", write: (line) => lines.push(line) }),
      });
      try {
        expect(await manager.getSecret("HANG_VALUE")).toBe(value);
        const warmedAt = Date.now();
        await sleep(1200); // past the 1 s TTL
        proxy.resetCounts();
        proxy.set({ kind: "hang" });

        const reads = 3;
        const served: Array<string | undefined> = [];
        for (let i = 0; i < reads; i++) served.push(await manager.getSecret("HANG_VALUE"));
        expect(served).toEqual(Array(reads).fill(value));
        expect(proxy.hungSockets().hung).toBeGreaterThan(0);

        // Past TTL + stale window: nothing stale may be served any more.
        await sleep(Math.max(0, warmedAt + 7_500 - Date.now()));
        await expect(manager.getSecret("HANG_VALUE")).rejects.toMatchObject({ code: "TIMEOUT" });

        // The client gives up on every hung request: it closes their sockets.
        const { hung } = proxy.hungSockets();
        await proxy.waitForHungClosed(hung, 20_000);
        expect(proxy.hungSockets().closedByClient).toBe(hung);

        proxy.forward();
        expect(await manager.getSecret("HANG_VALUE", { fresh: true })).toBe(value);
      } finally {
        proxy.forward();
        await manager.close();
      }
    }, 60_000);

    it("counts requests: two reads within the TTL make exactly one backend read", async () => {
      proxy.forward();
      const manager = createSecretManagerFromEnv({
        env: { ...backend.env(proxy.url), SECRET_CACHE_TTL: "300" },
        cwd: PACKAGE_DIR,
      });
      try {
        await manager.getProvider();
        proxy.resetCounts();
        expect(await manager.getSecret("HANG_VALUE")).toBe(value);
        expect(await manager.getSecret("HANG_VALUE")).toBe(value);
        const counts = proxy.countRequests();
        const reads =
          backend.name === "aws"
            ? counts.count("GetSecretValue") + counts.count("BatchGetSecretValue")
            : counts.countMatching((r) => r.method === "GET" && r.path.endsWith("/HANG_VALUE"));
        expect(reads).toBe(1);
      } finally {
        await manager.close();
      }
    }, 60_000);
  });
}
