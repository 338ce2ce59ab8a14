/**
 * Requests init makes, counted exactly by a loopback proxy in front of a real
 * OpenBao and a real moto server: one create per new secret, reads only for the
 * secrets init cannot generate, and a re-run that costs about one read each.
 */
import { SecretManager } from "@org/secrets-core";
import { type InitResult, parseManifest, SecretInitializer } from "@org/secrets-initializer";
import { createAwsProvider } from "@org/secrets-provider-aws";
import { createVaultProvider } from "@org/secrets-provider-vault";
import {
  HostileProxy,
  motoEnv,
  type OpenBaoServer,
  type RunningServer,
  startMoto,
  startOpenBao,
} from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const COUNT = 60;

/** `COUNT` generatable secrets and two that cannot be generated (one of them set). */
const MANIFEST = (() => {
  let text = "version: 1\nsecrets:\n";
  for (let i = 0; i < COUNT; i++) text += `  S_${i}: { generate: { kind: hex, length: 32 } }\n`;
  text += "  DATABASE_URL: { generate: false }\n  SMTP_PASSWORD: { generate: false, required: false }\n";
  return parseManifest(text);
})();

function counts(result: InitResult): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const s of result.secrets) out[s.action] = (out[s.action] ?? 0) + 1;
  return { ...out };
}

const init = (manager: SecretManager) =>
  new SecretInitializer({ manager, manifest: MANIFEST, production: true }).initializeSecrets();

let run = 0;
const uniquePrefix = (label: string) => `init-${label}-${process.pid}-${++run}`;

describe("init against a real OpenBao (KV v2)", () => {
  let bao: OpenBaoServer;
  let proxy: HostileProxy;
  beforeAll(async () => {
    bao = await startOpenBao();
    proxy = await new HostileProxy({ target: bao.url, flavor: "vault" }).start();
  }, 120_000);
  afterAll(async () => {
    await proxy?.stop();
    await bao?.stop();
  });

  const provider = (prefix: string) =>
    createVaultProvider({ url: proxy.url, token: bao.token, mount: "secret", prefix });

  it("creates N new secrets with N requests, plus the reads of those it cannot generate and the mount lookup", async () => {
    const prefix = uniquePrefix("vault");
    expect(
      (await bao.api("POST", `secret/data/${prefix}/DATABASE_URL`, { data: { value: "postgres://db" } }))
        .status,
    ).toBe(200);
    proxy.resetCounts();
    const vault = await provider(prefix);
    const result = await init(new SecretManager({ provider: vault }));
    await vault.close?.();
    expect(counts(result)).toEqual({ created: COUNT, exists: 1, skipped: 1 });

    const seen = proxy.countRequests();
    const writes = seen.countMatching(
      (r) => r.method === "POST" && r.path.startsWith(`/v1/secret/data/${prefix}/S_`),
    );
    expect(writes).toBe(COUNT);
    // Each generatable secret: exactly its one create, never a read or a metadata request.
    for (let i = 0; i < COUNT; i++) {
      expect(seen.byKey[`POST /v1/secret/data/${prefix}/S_${i}`]).toBe(1);
      expect(seen.byKey[`GET /v1/secret/data/${prefix}/S_${i}`]).toBeUndefined();
    }
    expect(seen.byKey[`GET /v1/secret/data/${prefix}/DATABASE_URL`]).toBe(1);
    expect(seen.byKey[`GET /v1/secret/data/${prefix}/SMTP_PASSWORD`]).toBe(1);
    // The token lookup goes out a second after first use, so only when init ran that long (a slow machine).
    const tokenLookups = seen.count("GET /v1/auth/token/lookup-self");
    expect(tokenLookups).toBeLessThanOrEqual(1);
    const lookups =
      seen.countMatching((r) => !r.path.startsWith(`/v1/secret/data/${prefix}/`)) - tokenLookups;
    expect(lookups).toBeLessThanOrEqual(1);
    expect(seen.total).toBe(COUNT + 2 + lookups + tokenLookups);
  }, 120_000);

  it("a re-run changes nothing and costs one request per secret plus the first wave's conflicts", async () => {
    const prefix = uniquePrefix("vault-rerun");
    const first = await provider(prefix);
    await init(new SecretManager({ provider: first }));
    await first.close?.();
    /** The stored value and its version, straight from the server. */
    const stored = async (name: string) => {
      const body = (await bao.api("GET", `secret/data/${prefix}/${name}`)).body as {
        data: { data: { value: string }; metadata: { version: number } };
      };
      return [body.data.data.value, body.data.metadata.version];
    };
    const values = new Map<string, unknown>();
    for (const name of ["S_0", "S_30", "S_59"]) values.set(name, await stored(name));

    proxy.resetCounts();
    const again = await provider(prefix);
    const result = await init(new SecretManager({ provider: again }));
    await again.close?.();
    expect(counts(result)).toEqual({ exists: COUNT, missing: 1, skipped: 1 });
    for (const [name, body] of values) expect(await stored(name)).toEqual(body);

    const seen = proxy.countRequests();
    // 16 creates that found their secret (each followed by one metadata read), then one read of each other secret.
    const posts = seen.countMatching((r) => r.method === "POST");
    expect(posts).toBe(16);
    const lookups = seen.countMatching((r) => !r.path.startsWith(`/v1/secret/`));
    expect(seen.total - lookups).toBe(16 * 2 + (COUNT - 16) + 2);
  }, 120_000);
});

describe("init against a real moto (AWS Secrets Manager)", () => {
  let moto: RunningServer;
  let proxy: HostileProxy;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    moto = await startMoto();
    for (const [key, value] of Object.entries(motoEnv(moto.url))) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    proxy = await new HostileProxy({ target: moto.url, flavor: "aws" }).start();
  }, 120_000);
  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
    for (const [key, value] of Object.entries(saved))
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  });

  const provider = (prefix: string) => createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });

  it("creates N new secrets with N CreateSecret, and reads only those it cannot generate", async () => {
    const prefix = uniquePrefix("aws");
    const seed = provider(prefix);
    await seed.set("DATABASE_URL", "postgres://db", { ifAbsent: true });
    await seed.close?.();
    proxy.resetCounts();

    const aws = provider(prefix);
    const result = await init(new SecretManager({ provider: aws }));
    await aws.close?.();
    expect(counts(result)).toEqual({ created: COUNT, exists: 1, skipped: 1 });
    // One batch read of the two non-generatable secrets, one CreateSecret per new secret, nothing else.
    expect(proxy.countRequests().byKey).toEqual({ BatchGetSecretValue: 1, CreateSecret: COUNT });
  }, 120_000);

  it("a re-run changes nothing: 16 creates that find their secrets, then batch reads of the rest", async () => {
    const prefix = uniquePrefix("aws-rerun");
    const first = provider(prefix);
    await init(new SecretManager({ provider: first }));
    await first.close?.();
    proxy.resetCounts();

    const again = provider(prefix);
    const result = await init(new SecretManager({ provider: again }));
    await again.close?.();
    expect(counts(result)).toEqual({ exists: COUNT, missing: 1, skipped: 1 });
    // A conflicting CreateSecret is followed by one DescribeSecret (is it scheduled for deletion?).
    // The two non-generatable secrets in one batch; the other 44 in batches of 20.
    expect(proxy.countRequests().byKey).toEqual({
      CreateSecret: 16,
      DescribeSecret: 16,
      BatchGetSecretValue: 1 + Math.ceil((COUNT - 16) / 20),
    });
  }, 120_000);
});
