/**
 * Requests per job, counted exactly by a loopback proxy in front of real moto:
 * each operation costs what its job needs and nothing more.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretManager } from "@org/secrets-core";
import { createCliProject, HostileProxy, runCli } from "@org/secrets-test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAwsProvider } from "../src/index.js";
import { awsTestEnv, motoEndpoint, PACKAGE_DIR, REGION, uniquePrefix } from "./support/aws.js";

const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });
const prefix = uniquePrefix("requests");
/** 45 secrets the tests read, among 1,000 others under the same prefix. */
const names = Array.from({ length: 45 }, (_, i) => `WANTED_${String(i).padStart(2, "0")}`);
const OTHERS = 1000;

beforeAll(async () => {
  await proxy.start();
  const writer = createAwsProvider({ prefix, clientConfig: { endpoint: motoEndpoint() } });
  const all = [...names, ...Array.from({ length: OTHERS }, (_, i) => `OTHER_${i}`)];
  for (let i = 0; i < all.length; i += 50)
    await Promise.all(
      all.slice(i, i + 50).map((name, j) =>
        writer.set(name, `value of ${name}`, {
          ifAbsent: true,
          ...(i + j < names.length ? { metadata: { rotatedAt: "2024-05-06T07:08:09.000Z" } } : {}),
        }),
      ),
    );
  await writer.close();
}, 600_000);

afterAll(async () => {
  await proxy.stop();
});

beforeEach(() => proxy.forward().resetCounts());

/** A provider whose every request goes through the proxy. */
function reader(options: { prefix?: string } = {}) {
  return createAwsProvider({ prefix: options.prefix ?? prefix, clientConfig: { endpoint: proxy.url } });
}

describe("reads", () => {
  it("a cold getSecret is one GetSecretValue and nothing else", async () => {
    const manager = new SecretManager({ provider: reader() });
    expect(await manager.getSecret("WANTED_00")).toBe("value of WANTED_00");
    expect(proxy.countRequests().byKey).toEqual({ GetSecretValue: 1 });
    // Cached: no request.
    expect(await manager.getSecret("WANTED_00")).toBe("value of WANTED_00");
    expect(proxy.countRequests().total).toBe(1);
    await manager.close();
  });

  it("a missing secret is one GetSecretValue too", async () => {
    const manager = new SecretManager({ provider: reader() });
    expect(await manager.getSecret("NOT_THERE")).toBeUndefined();
    expect(proxy.countRequests().byKey).toEqual({ GetSecretValue: 1 });
    await manager.close();
  });

  it("getSecretRecord with metadata is one GetSecretValue and one DescribeSecret, past the cache", async () => {
    const manager = new SecretManager({ provider: reader() });
    await manager.getSecret("WANTED_01");
    proxy.resetCounts();
    const record = await manager.getSecretRecord("WANTED_01", { metadata: true });
    expect(record?.metadata).toEqual({ rotatedAt: "2024-05-06T07:08:09.000Z" });
    expect(record?.createdAt).toBeInstanceOf(Date);
    expect(proxy.countRequests().byKey).toEqual({ GetSecretValue: 1, DescribeSecret: 1 });
    await manager.close();
  });

  it.each([
    [2, 1],
    [20, 1],
    [21, 2],
    [45, 3],
  ])(
    "getSecrets of %i names is %i BatchGetSecretValue and nothing else, among 1,000 other secrets",
    async (k, batches) => {
      const manager = new SecretManager({ provider: reader() });
      const found = await manager.getSecrets(names.slice(0, k));
      expect(found.size).toBe(k);
      expect(found.get("WANTED_01")).toBe("value of WANTED_01");
      expect(proxy.countRequests().byKey).toEqual({ BatchGetSecretValue: batches });
      await manager.close();
    },
  );

  it("getMany straight from the provider: the same, with missing names among them", async () => {
    const provider = reader();
    const found = await provider.getMany([...names.slice(0, 19), "NOT_THERE", "NOR_THIS"]);
    expect(found.size).toBe(19);
    expect(proxy.countRequests().byKey).toEqual({ BatchGetSecretValue: 2 });
    await provider.close();
  });

  it("getSecretRecords with metadata adds one ListSecrets per 10 names, never the prefix's listing", async () => {
    const manager = new SecretManager({ provider: reader() });
    const records = await manager.getSecretRecords(names.slice(0, 21), { metadata: true });
    expect(records.get("WANTED_20")?.metadata).toEqual({ rotatedAt: "2024-05-06T07:08:09.000Z" });
    expect(proxy.countRequests().byKey).toEqual({ BatchGetSecretValue: 2, ListSecrets: 3 });
    await manager.close();
  });

  it("list is the pages of ListSecrets only (100 a page)", async () => {
    const provider = reader();
    const listed = await provider.list();
    expect(listed).toHaveLength(names.length + OTHERS);
    expect(proxy.countRequests().byKey).toEqual({ ListSecrets: Math.ceil((names.length + OTHERS) / 100) });
    await provider.close();
  });

  it("with a client of another copy of the SDK (not this one's class), list and bulk reads page the same", async () => {
    const real = new SecretsManagerClient({ region: REGION, endpoint: proxy.url });
    // Only what the provider uses of a client: no prototype of this SDK's SecretsManagerClient.
    const foreign = {
      config: real.config,
      send: (command: never, options: never) => real.send(command, options),
      destroy: () => real.destroy(),
    } as unknown as SecretsManagerClient;
    expect(foreign).not.toBeInstanceOf(SecretsManagerClient);
    const provider = createAwsProvider({ prefix, client: foreign });
    expect(await provider.list()).toHaveLength(names.length + OTHERS);
    expect(proxy.countRequests().byKey).toEqual({ ListSecrets: Math.ceil((names.length + OTHERS) / 100) });
    proxy.resetCounts();
    const records = await provider.getMany(names.slice(0, 21), { metadata: true });
    expect(records.size).toBe(21);
    expect(records.get("WANTED_20")?.metadata).toEqual({ rotatedAt: "2024-05-06T07:08:09.000Z" });
    expect(proxy.countRequests().byKey).toEqual({ BatchGetSecretValue: 2, ListSecrets: 3 });
    await provider.close();
    real.destroy();
  });
});

describe("writes", () => {
  it("init-style create of a new secret (ifAbsent) is one CreateSecret, tags included", async () => {
    const provider = reader();
    await provider.set("CREATED_ONCE", "fresh", {
      ifAbsent: true,
      metadata: { rotatedAt: "2024-01-01T00:00:00.000Z" },
    });
    expect(proxy.countRequests().byKey).toEqual({ CreateSecret: 1 });
    await provider.close();
  });

  it("a plain set of an existing secret is DescribeSecret (deletion state) and PutSecretValue", async () => {
    const provider = reader();
    await provider.set("WANTED_44", "value of WANTED_44");
    expect(proxy.countRequests().byKey).toEqual({ DescribeSecret: 1, PutSecretValue: 1 });
    await provider.close();
  });
});

describe("the secrets command", () => {
  const cliPrefix = uniquePrefix("requests-cli");
  let cwd: string;
  let remove: (() => Promise<void>) | undefined;
  const env = () => ({
    ...awsTestEnv(proxy.url),
    HOME: cwd,
    SECRET_PROVIDER: "aws",
    SECRET_AWS_PREFIX: cliPrefix,
  });

  beforeAll(async () => {
    const project = await createCliProject(["@org/secrets-provider-aws"], PACKAGE_DIR);
    cwd = project.dir;
    remove = project.remove;
  });
  afterAll(async () => {
    await remove?.();
  });

  it("init with the built-in manifest: one bulk read, then one CreateSecret per secret it creates", async () => {
    const result = await runCli(["init", "--json"], { env: env(), cwd });
    const report = JSON.parse(result.stdout) as { secrets: Array<{ name: string; action: string }> };
    // DATABASE_URL cannot be generated: reported missing (exit 1), everything else created.
    expect(result.code).toBe(1);
    expect(report.secrets.find((s) => s.name === "DATABASE_URL")?.action).toBe("missing");
    const created = report.secrets.filter((s) => s.action === "created").length;
    expect(created).toBeGreaterThan(0);
    expect(proxy.countRequests().byKey).toEqual({ BatchGetSecretValue: 1, CreateSecret: created });
  });

  it("get is one GetSecretValue", async () => {
    const result = await runCli(["get", "SECRET_KEY"], { env: env(), cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(proxy.countRequests().byKey).toEqual({ GetSecretValue: 1 });
  });

  it("health with the built-in manifest is one bulk read; the check relies on its answer", async () => {
    const result = await runCli(["health", "--json"], { env: env(), cwd });
    expect(JSON.parse(result.stdout).provider.ok).toBe(true);
    expect(proxy.countRequests().byKey).toEqual({ BatchGetSecretValue: 1 });
  });

  it("export is one bulk read", async () => {
    // DATABASE_URL (required) was never set: export the others.
    const result = await runCli(["export", "--format", "json", "--allow-missing"], { env: env(), cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout))).toContain("SECRET_KEY");
    expect(proxy.countRequests().byKey).toEqual({ BatchGetSecretValue: 1 });
  });

  it("list is one page of ListSecrets", async () => {
    const result = await runCli(["list"], { env: env(), cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("SECRET_KEY\n");
    expect(proxy.countRequests().byKey).toEqual({ ListSecrets: 1 });
  });
});
