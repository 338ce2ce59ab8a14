/**
 * How many requests each operation costs, counted by a loopback proxy in
 * front of the real OpenBao server: the CLI (`get`, `health`, `export --all`,
 * `init`) and the library (a cold read, `list`, `getMany`, creating a secret).
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SecretManager } from "@org/secrets-core";
import { type CliProject, createCliProject, HostileProxy, runCli } from "@org/secrets-test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { TOKEN_LOOKUP_DELAY_MS } from "../src/auth.js";
import { createVaultProvider, VaultProvider, type VaultProviderOptions } from "../src/index.js";
import { root, server, unique } from "./support/vault.js";

const { addr, token } = server();
const packageDir = fileURLToPath(new URL("..", import.meta.url));
let proxy: HostileProxy;
let project: CliProject;

beforeAll(async () => {
  proxy = await new HostileProxy({ target: addr, flavor: "vault" }).start();
  project = await createCliProject(["@org/secrets-provider-vault"], packageDir);
});

afterAll(async () => {
  await proxy?.stop();
  await project?.remove();
});

beforeEach(() => {
  proxy.forward();
  proxy.resetCounts();
});

/** Write `names` straight to the server (not through the proxy), with the value `v-<name>`. */
async function seed(prefix: string, names: readonly string[]): Promise<void> {
  const queue = [...names];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift())
        await root("POST", `secret/data/${prefix}/${name}`, { data: { value: `v-${name}` } });
    }),
  );
}

async function manifest(names: readonly string[]): Promise<string> {
  const file = path.join(project.dir, `${unique("manifest")}.yaml`);
  const lines = ["version: 1", "secrets:"];
  for (const name of names) lines.push(`  ${name}:`, "    generate: hex", "    rotation: 90d");
  await fs.writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

/** The CLI through the proxy, and how long it ran (spawn to exit). */
async function cli(args: string[], env: Record<string, string>) {
  const started = performance.now();
  const result = await runCli(args, {
    cwd: project.dir,
    env: {
      HOME: project.dir,
      SECRET_PROVIDER: "vault",
      VAULT_URL: proxy.url,
      VAULT_TOKEN: token,
      ...env,
    },
  });
  return { ...result, ranMs: performance.now() - started };
}

const MOUNT_LOOKUP = "GET /v1/sys/internal/ui/mounts/secret";
const TOKEN_LOOKUP = "GET /v1/auth/token/lookup-self";

/**
 * The requests since the last reset, without the background token lookup, which is checked
 * here: a command that ended within TOKEN_LOOKUP_DELAY_MS of its start never sends it; a longer
 * one (a slow machine) may, once, after its first request.
 */
function commandCounts(ranMs: number): {
  byKey: Record<string, number>;
  total: number;
  count(key: string, options?: { prefix?: boolean }): number;
} {
  const counts = proxy.countRequests();
  const lookups = counts.count(TOKEN_LOOKUP);
  if (ranMs < TOKEN_LOOKUP_DELAY_MS) expect(lookups).toBe(0);
  else expect(lookups).toBeLessThanOrEqual(1);
  const first = proxy.requests[0];
  expect(first && `${first.method} ${first.path}`).not.toBe(TOKEN_LOOKUP);
  const byKey = { ...counts.byKey };
  delete byKey[TOKEN_LOOKUP];
  const count = (key: string, options?: { prefix?: boolean }) =>
    Object.entries(byKey).reduce(
      (sum, [k, n]) => sum + ((options?.prefix ? k.startsWith(key) : k === key) ? n : 0),
      0,
    );
  return { byKey, total: counts.total - lookups, count };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `S_${String(i).padStart(4, "0")}`);

describe("the CLI makes only the requests a command needs", () => {
  it("get: one read with VAULT_KV_VERSION, plus the mount lookup without it; no token lookup in a short run", async () => {
    const prefix = unique("get");
    await seed(prefix, ["DATABASE_URL"]);

    const configured = await cli(["get", "DATABASE_URL"], {
      VAULT_PATH_PREFIX: prefix,
      VAULT_KV_VERSION: "2",
    });
    expect(configured.stderr).toBe("");
    expect(configured.stdout.trim()).toBe("v-DATABASE_URL");
    let counts = commandCounts(configured.ranMs);
    expect(counts.byKey).toEqual({ [`GET /v1/secret/data/${prefix}/DATABASE_URL`]: 1 });
    expect(counts.total).toBe(1);

    proxy.resetCounts();
    const detected = await cli(["get", "DATABASE_URL"], { VAULT_PATH_PREFIX: prefix });
    expect(detected.stdout.trim()).toBe("v-DATABASE_URL");
    counts = commandCounts(detected.ranMs);
    expect(counts.byKey).toEqual({
      [MOUNT_LOOKUP]: 1,
      [`GET /v1/secret/data/${prefix}/DATABASE_URL`]: 1,
    });
    expect(counts.total).toBe(2);
  });

  it("health: the mount looked up once, each declared secret read once, nothing repeated", async () => {
    const prefix = unique("health");
    const declared = ["SECRET_KEY", "JWT_SECRET_KEY", "REDIS_PASSWORD"];
    await seed(prefix, declared.slice(0, 2));
    const file = await manifest(declared);

    const result = await cli(["health", "--json"], { VAULT_PATH_PREFIX: prefix, SECRETS_MANIFEST: file });
    expect(JSON.parse(result.stdout).provider.ok).toBe(true);
    const counts = commandCounts(result.ranMs);
    const expected: Record<string, number> = { [MOUNT_LOOKUP]: 1 };
    for (const name of declared) expected[`GET /v1/secret/data/${prefix}/${name}`] = 1;
    expect(counts.byKey).toEqual(expected);
    expect(counts.total).toBe(1 + declared.length);

    // With the KV version configured, only the reads.
    proxy.resetCounts();
    const configured = await cli(["health", "--json"], {
      VAULT_PATH_PREFIX: prefix,
      SECRETS_MANIFEST: file,
      VAULT_KV_VERSION: "2",
    });
    expect(JSON.parse(configured.stdout).provider.ok).toBe(true);
    const again = commandCounts(configured.ranMs);
    // The check after the reads relies on their answers: no mount lookup, no probe.
    expect(again.count(MOUNT_LOOKUP)).toBe(0);
    expect(again.total).toBe(declared.length);
  });

  it("export --all of 250 secrets: at most N + ceil(N/100) + 1 requests, each secret read once", async () => {
    const prefix = unique("export");
    const all = names(250);
    await seed(prefix, all);
    const file = await manifest(all.slice(0, 3));
    const out = path.join(project.dir, `${prefix}.json`);

    const result = await cli(["export", "--all", "--format", "json", "--output", out], {
      VAULT_PATH_PREFIX: prefix,
      SECRETS_MANIFEST: file,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const exported = JSON.parse(await fs.readFile(out, "utf8")) as Record<string, string>;
    expect(Object.keys(exported)).toHaveLength(250);
    expect(exported.S_0249).toBe("v-S_0249");

    const counts = commandCounts(result.ranMs);
    const n = all.length;
    expect(counts.total).toBeLessThanOrEqual(n + Math.ceil(n / 100) + 1);
    for (const name of all) expect(counts.count(`GET /v1/secret/data/${prefix}/${name}`)).toBe(1);
    expect(counts.count(`GET /v1/secret/metadata/${prefix}/`, { prefix: true })).toBe(0);
    expect(counts.count(MOUNT_LOOKUP)).toBe(1);
    // The listing: pages of detailed metadata, no per-key metadata reads.
    expect(counts.count(`GET /v1/secret/detailed-metadata/${prefix}`)).toBe(2);
  });

  it("init of new secrets: a create-only write each (plus rotation metadata), no lookups", async () => {
    const prefix = unique("init");
    const declared = ["SECRET_KEY", "JWT_SECRET_KEY"];
    const file = await manifest(declared);
    const result = await cli(["init"], {
      VAULT_PATH_PREFIX: prefix,
      SECRETS_MANIFEST: file,
      VAULT_KV_VERSION: "2",
    });
    expect(result.code).toBe(0);
    const counts = commandCounts(result.ranMs);
    for (const name of declared) {
      const data = `/v1/secret/data/${prefix}/${name}`;
      expect(counts.count(`POST ${data}`)).toBe(1);
      // The initializer reads before it creates, and records the rotation time.
      expect(counts.count(`GET ${data}`)).toBeLessThanOrEqual(1);
      expect(counts.count(`PATCH /v1/secret/metadata/${prefix}/${name}`)).toBeLessThanOrEqual(1);
    }
    const perSecret = declared.flatMap((name) => [
      `GET /v1/secret/data/${prefix}/${name}`,
      `POST /v1/secret/data/${prefix}/${name}`,
      `PATCH /v1/secret/metadata/${prefix}/${name}`,
    ]);
    expect(Object.keys(counts.byKey).filter((key) => !perSecret.includes(key))).toEqual([]);
    expect(counts.total).toBeLessThanOrEqual(3 * declared.length);
  });
});

describe("the library makes only the requests an operation needs", () => {
  const open: VaultProvider[] = [];
  // Renewal off, so that no deferred token lookup lands in a count on a slow machine
  // (the lookup's own timing is the last test here).
  const provider = async (options: Partial<VaultProviderOptions> = {}) => {
    const p = await createVaultProvider({
      url: proxy.url,
      token,
      prefix: unique("lib"),
      renewToken: false,
      ...options,
    });
    open.push(p);
    return p;
  };
  afterAll(async () => {
    while (open.length > 0) await open.pop()?.close();
  });

  it("connecting costs the mount lookup only; a cold getSecret after it is one request", async () => {
    const prefix = unique("cold");
    await seed(prefix, ["API_KEY"]);
    const p = await provider({ prefix });
    expect(proxy.countRequests().byKey).toEqual({ [MOUNT_LOOKUP]: 1 });
    proxy.resetCounts();

    const manager = new SecretManager({ provider: p });
    expect(await manager.getSecret("API_KEY")).toBe("v-API_KEY");
    expect(proxy.countRequests().byKey).toEqual({ [`GET /v1/secret/data/${prefix}/API_KEY`]: 1 });
    // A second read is served from the cache.
    expect(await manager.getSecret("API_KEY")).toBe("v-API_KEY");
    expect(proxy.countRequests().total).toBe(1);
  });

  it("with kvVersion, connecting sends nothing at all", async () => {
    const p = new VaultProvider({
      url: proxy.url,
      token,
      kvVersion: 2,
      prefix: unique("none"),
      renewToken: false,
    });
    open.push(p);
    await p.connect();
    expect(proxy.countRequests().total).toBe(0);
  });

  it("list of 250 secrets: pages of the detailed metadata, soft-deleted ones left out", async () => {
    const prefix = unique("list");
    const all = names(250);
    await seed(prefix, all);
    await root("DELETE", `secret/data/${prefix}/S_0007`);
    await seed(`${prefix}/folder`, ["NESTED"]);
    const p = await provider({ prefix, kvVersion: 2 });
    proxy.resetCounts();
    const listed = await p.list();
    expect(listed).toEqual(all.filter((n) => n !== "S_0007"));
    const counts = proxy.countRequests();
    // 251 keys (250 secrets and a folder): one full page of 250, then one of 1.
    expect(counts.byKey).toEqual({ [`GET /v1/secret/detailed-metadata/${prefix}`]: 2 });
  });

  it("list falls back to the plain listing when the policy does not grant detailed metadata", async () => {
    const prefix = unique("policy");
    await seed(prefix, ["A_ONE", "B_TWO", "C_GONE"]);
    await root("DELETE", `secret/data/${prefix}/C_GONE`);
    const policy = unique("list-policy");
    await root("PUT", `sys/policies/acl/${policy}`, {
      policy: `path "secret/metadata/${prefix}/*" { capabilities = ["read", "list"] }`,
    });
    const limited = (await root("POST", "auth/token/create", { policies: [policy] })).auth.client_token;
    const p = await provider({ prefix, kvVersion: 2, token: limited });
    expect(await p.list()).toEqual(["A_ONE", "B_TWO"]);
    proxy.resetCounts();
    // The second list goes straight to the listing that works.
    expect(await p.list()).toEqual(["A_ONE", "B_TWO"]);
    const counts = proxy.countRequests();
    expect(counts.count(`GET /v1/secret/detailed-metadata/${prefix}`)).toBe(0);
    expect(counts.count(`GET /v1/secret/metadata/${prefix}`)).toBe(1);
    expect(counts.total).toBe(4);
  });

  it("getMany reads each name once, at most 16 at a time, and stops at the signal", async () => {
    const prefix = unique("many");
    const all = names(40);
    await seed(prefix, all);
    const p = await provider({ prefix, kvVersion: 2 });
    const found = await p.getMany(all);
    expect(found.size).toBe(40);
    expect(found.get("S_0039")?.value).toBe("v-S_0039");
    expect(proxy.countRequests().total).toBe(40);

    proxy.resetCounts();
    proxy.set({ kind: "hang" });
    const controller = new AbortController();
    const pending = p.getMany(all, { signal: controller.signal });
    await waitFor(() => proxy.hungSockets().hung === 16);
    controller.abort(new Error("caller gave up"));
    await expect(pending).rejects.toThrow(/aborted/);
    await proxy.waitForHungClosed(16);
    // No read started after the abort.
    expect(proxy.countRequests().total).toBe(16);
  });

  it("creating a secret is one check-and-set write; rotation metadata adds one", async () => {
    const prefix = unique("create");
    const p = await provider({ prefix, kvVersion: 2 });
    await p.set("PLAIN", "value-1", { ifAbsent: true });
    expect(proxy.countRequests().byKey).toEqual({ [`POST /v1/secret/data/${prefix}/PLAIN`]: 1 });

    proxy.resetCounts();
    await p.set("TRACKED", "value-2", { ifAbsent: true, metadata: { rotatedAt: "2026-01-01T00:00:00Z" } });
    expect(proxy.countRequests().byKey).toEqual({
      [`POST /v1/secret/data/${prefix}/TRACKED`]: 1,
      [`PATCH /v1/secret/metadata/${prefix}/TRACKED`]: 1,
    });
    const stored = await root("GET", `secret/data/${prefix}/TRACKED`);
    expect(stored.data.data.value).toBe("value-2");
    expect(stored.data.metadata.custom_metadata).toEqual({ rotatedAt: "2026-01-01T00:00:00Z" });
  });
});

describe("the token given as such", () => {
  it("is looked up once, in the background, a second after first use, never before", async () => {
    const prefix = unique("lookup");
    await seed(prefix, ["API_KEY"]);
    const renewable = (await root("POST", "auth/token/create", { ttl: "1h", renewable: true })).auth
      .client_token as string;
    const p = await createVaultProvider({ url: proxy.url, token: renewable, prefix, kvVersion: 2 });
    try {
      proxy.resetCounts();
      expect((await p.get("API_KEY"))?.value).toBe("v-API_KEY");
      await waitFor(() => proxy.countRequests().count(TOKEN_LOOKUP) === 1);
      // Never before: the read went out first (an order, not a timing, so a slow machine cannot fail it).
      const order = proxy.requests.map((r) => `${r.method} ${r.path}`);
      expect(order[0]).toBe(`GET /v1/secret/data/${prefix}/API_KEY`);
      expect(order.indexOf(TOKEN_LOOKUP)).toBeGreaterThan(0);
      // It learned the TTL (for renewal) and shows it, once the lookup's answer is back: the proxy
      // saw the request, but on a slow machine the answer can come after a later request's.
      await vi.waitFor(
        async () => {
          const ttl = (await p.check()).details?.token_ttl_seconds;
          expect(typeof ttl === "number" && ttl > 3000).toBe(true);
        },
        { timeout: 20_000, interval: 50 },
      );
      expect(proxy.countRequests().count(TOKEN_LOOKUP)).toBe(1);
    } finally {
      await p.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
