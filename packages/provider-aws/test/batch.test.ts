import { SecretManager } from "@org/secrets-core";
import {
  AccessDeniedError,
  type SecretRecord,
  SecretScheduledForDeletionError,
} from "@org/secrets-core/provider";
import { HostileProxy } from "@org/secrets-test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BATCH_SIZE, createAwsProvider } from "../src/index.js";
import { countingClient, motoEndpoint, uniquePrefix } from "./support/aws.js";

const prefix = uniquePrefix("batch");
const names = Array.from({ length: 45 }, (_, i) => `BULK_${String(i).padStart(2, "0")}`);
const valueFor = (name: string) => `value of ${name} ${prefix}`;
const counting = countingClient();
const provider = createAwsProvider({ prefix, client: counting.client });

beforeAll(async () => {
  const writer = createAwsProvider({ prefix });
  await Promise.all(
    names.map((name, i) =>
      writer.set(name, valueFor(name), {
        ifAbsent: true,
        ...(i % 10 === 0
          ? { metadata: { rotatedAt: `2024-01-${String(1 + i / 10).padStart(2, "0")}T00:00:00.000Z` } }
          : {}),
      }),
    ),
  );
  await writer.close();
});

afterAll(async () => {
  await provider.close();
  counting.client.destroy();
});

beforeEach(() => counting.reset());

describe("bulk reads with BatchGetSecretValue", () => {
  it("reads 45 secrets in 3 requests of at most 20 ids (AWS's limit, though moto takes more) and nothing else", async () => {
    const records = await provider.getMany(names);
    expect(BATCH_SIZE).toBe(20);
    expect(counting.count("BatchGetSecretValue")).toBe(3);
    expect(counting.total()).toBe(3);
    expect([...records.keys()].sort()).toEqual(names);
    for (const name of names) {
      const record = records.get(name) as SecretRecord;
      expect(record.value).toBe(valueFor(name));
      expect(record.version).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.updatedAt).toBeInstanceOf(Date);
      expect(record.metadata).toBeUndefined();
    }
  });

  it("with metadata, tags and creation dates come from ListSecrets by name, one request per 10 names", async () => {
    const records = await provider.getMany(names, { metadata: true });
    expect(counting.count("BatchGetSecretValue")).toBe(3);
    expect(counting.count("ListSecrets")).toBe(5);
    expect(counting.total()).toBe(8);
    expect([...records.keys()].sort()).toEqual(names);
    for (const name of names) {
      const record = records.get(name) as SecretRecord;
      expect(record.value).toBe(valueFor(name));
      expect(record.version).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.updatedAt).toBeInstanceOf(Date);
      expect(record.createdAt).toBeInstanceOf(Date);
    }
    expect(records.get("BULK_00")?.metadata).toEqual({ rotatedAt: "2024-01-01T00:00:00.000Z" });
    expect(records.get("BULK_40")?.metadata).toEqual({ rotatedAt: "2024-01-05T00:00:00.000Z" });
    expect(records.get("BULK_01")?.metadata).toBeUndefined();
  });

  it("without a prefix, metadata is listed by name, 10 names a request", async () => {
    const bare = Array.from({ length: 12 }, (_, i) => `${prefix.replace(/-/g, "_").toUpperCase()}_BARE_${i}`);
    const writer = createAwsProvider();
    await Promise.all(bare.map((name) => writer.set(name, `bare ${name}`, { metadata: { owner: name } })));
    await writer.close();
    const unprefixed = createAwsProvider({ client: counting.client });
    counting.reset();
    const records = await unprefixed.getMany(bare, { metadata: true });
    expect(records.size).toBe(12);
    expect(counting.count("BatchGetSecretValue")).toBe(1);
    expect(counting.count("ListSecrets")).toBe(2);
    for (const name of bare) expect(records.get(name)?.metadata).toEqual({ owner: name });
  });

  it("leaves missing names out (read from the batch's per-secret Errors) in the same number of requests", async () => {
    const wanted = [...names.slice(0, 18), "MISSING_A", "MISSING_B", "MISSING_C"];
    const records = await provider.getMany(wanted);
    expect(counting.count("BatchGetSecretValue")).toBe(2);
    expect(counting.total()).toBe(2);
    expect(records.size).toBe(18);
    expect(records.has("MISSING_A")).toBe(false);
  });

  it("asks once per name even when names repeat", async () => {
    const records = await provider.getMany([names[0] as string, names[0] as string, names[1] as string]);
    expect(records.size).toBe(2);
    expect(counting.count("BatchGetSecretValue")).toBe(1);
  });

  it("core's manager uses one batch call for its bulk read", async () => {
    const manager = new SecretManager({ provider, cacheTtlMs: 60_000 });
    expect(await manager.getSecrets(names.slice(0, 20))).toHaveProperty("size", 20);
    expect(counting.count("BatchGetSecretValue")).toBe(1);
    expect(counting.total()).toBe(1);
    // Cached now: no further requests.
    await manager.getSecrets(names.slice(0, 20));
    expect(counting.total()).toBe(1);
    // Metadata goes past the cache: the batch again, and the tags by name.
    const records = await manager.getSecretRecords(names.slice(0, 20), { metadata: true });
    expect(records.get("BULK_10")?.metadata).toEqual({ rotatedAt: "2024-01-02T00:00:00.000Z" });
    expect(counting.count("BatchGetSecretValue")).toBe(2);
    expect(counting.count("ListSecrets")).toBe(2);
    expect(counting.total()).toBe(4);
  });

  it("reads earlier versions one by one (BatchGetSecretValue has no version stage)", async () => {
    const writer = createAwsProvider({ prefix });
    await writer.set("VERSIONED_A", "a1");
    await writer.set("VERSIONED_A", "a2");
    await writer.set("VERSIONED_B", "b1");
    await writer.close();
    const previous = await provider.getMany(["VERSIONED_A", "VERSIONED_B"], { version: "previous" });
    expect(previous.get("VERSIONED_A")?.value).toBe("a1");
    expect(previous.has("VERSIONED_B")).toBe(false);
    expect(counting.count("GetSecretValue")).toBe(2);
    expect(counting.count("BatchGetSecretValue")).toBe(0);
    expect(counting.count("ListSecrets")).toBe(0);
  });

  it("a secret scheduled for deletion fails the bulk read with SecretScheduledForDeletionError naming it", async () => {
    const writer = createAwsProvider({ prefix });
    await writer.set("BULK_DELETED", "soon gone");
    await writer.delete("BULK_DELETED");
    const read = provider.getMany([...names.slice(0, 3), "BULK_DELETED"]);
    await expect(read).rejects.toBeInstanceOf(SecretScheduledForDeletionError);
    await expect(read).rejects.toThrow(
      /Secret 'BULK_DELETED' .* is scheduled for deletion.*secrets restore BULK_DELETED/,
    );
    await writer.restore("BULK_DELETED");
    expect((await provider.getMany(["BULK_DELETED"])).get("BULK_DELETED")?.value).toBe("soon gone");
    await writer.close();
  });
});

describe("when the caller may not use BatchGetSecretValue", () => {
  const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });

  beforeAll(async () => {
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it("falls back to GetSecretValue with bounded concurrency, and remembers not to try the batch again", async () => {
    proxy.forward().resetCounts().also(
      {
        kind: "status",
        status: 400,
        type: "AccessDeniedException",
        message:
          "User: arn:aws:iam::123456789012:user/app is not authorized to perform: secretsmanager:BatchGetSecretValue",
      },
      "BatchGetSecretValue",
    );
    const limited = createAwsProvider({
      prefix,
      clientConfig: { endpoint: proxy.url },
      readConcurrency: 4,
    });
    const wanted = [...names, "NOT_THERE"];
    const first = await limited.getMany(wanted);
    expect(first.size).toBe(45);
    expect(first.get("BULK_07")?.value).toBe(valueFor("BULK_07"));
    // The first chunks were refused (each at most once); every name was then read singly.
    expect(proxy.countRequests().count("BatchGetSecretValue")).toBeGreaterThanOrEqual(1);
    expect(proxy.countRequests().count("BatchGetSecretValue")).toBeLessThanOrEqual(3);
    expect(proxy.countRequests().count("GetSecretValue")).toBe(46);

    proxy.resetCounts();
    const second = await limited.getMany(names.slice(0, 10));
    expect(second.size).toBe(10);
    expect(proxy.countRequests().count("BatchGetSecretValue")).toBe(0);
    expect(proxy.countRequests().count("GetSecretValue")).toBe(10);
    await limited.close();
  });

  it("without ListSecrets, bulk reads with metadata return values without it, and stop asking", async () => {
    proxy
      .forward()
      .resetCounts()
      .also({ kind: "status", status: 400, type: "AccessDeniedException" }, "ListSecrets");
    const limited = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    const first = await limited.getMany(names.slice(0, 3), { metadata: true });
    expect(first.get("BULK_00")).toMatchObject({ value: valueFor("BULK_00") });
    expect(first.get("BULK_00")?.metadata).toBeUndefined();
    expect(proxy.countRequests().count("ListSecrets")).toBe(1);
    await limited.getMany(names.slice(0, 3), { metadata: true });
    expect(proxy.countRequests().count("ListSecrets")).toBe(1);
    expect(proxy.countRequests().count("BatchGetSecretValue")).toBe(2);
    await limited.close();
  });

  it("a secret the caller may not read fails the bulk read with AccessDeniedError naming it", async () => {
    proxy
      .forward()
      .resetCounts()
      .also(
        { kind: "status", status: 400, type: "AccessDeniedException", message: "not authorized" },
        "GetSecretValue",
      );
    proxy.also(
      { kind: "status", status: 400, type: "AccessDeniedException", message: "not authorized" },
      "BatchGetSecretValue",
    );
    const limited = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    const read = limited.getMany(["BULK_01", "BULK_02"]);
    await expect(read).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(read).rejects.toThrow(
      new RegExp(
        `^Access denied by AWS Secrets Manager to read secret 'BULK_0[12]' \\(${prefix}/BULK_0[12]\\): allow secretsmanager:GetSecretValue`,
      ),
    );
    await limited.close();
  });
});

describe("per-secret errors inside a batch answer", () => {
  const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });

  beforeAll(async () => {
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
  });

  /** Turn moto's entry for `name` into a per-secret error of the batch answer. */
  const failEntry = (name: string, code: string) =>
    proxy
      .forward()
      .resetCounts()
      .also(
        {
          kind: "rewrite",
          change: (body) => {
            const values = (body.SecretValues as Array<{ Name: string }>) ?? [];
            return {
              ...body,
              SecretValues: values.filter((v) => v.Name !== `${prefix}/${name}`),
              Errors: [
                ...((body.Errors as unknown[]) ?? []),
                { SecretId: `${prefix}/${name}`, ErrorCode: code, Message: `${code} for this secret` },
              ],
            };
          },
        },
        "BatchGetSecretValue",
      );

  it("AccessDeniedException for one secret fails the read with AccessDeniedError naming that secret", async () => {
    failEntry("BULK_03", "AccessDeniedException");
    const reader = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    const read = reader.getMany(names.slice(0, 5));
    await expect(read).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(read).rejects.toThrow(`read secret 'BULK_03' (${prefix}/BULK_03)`);
    expect(proxy.countRequests().count("BatchGetSecretValue")).toBe(1);
    expect(proxy.countRequests().count("GetSecretValue")).toBe(0);
    await reader.close();
  });

  it("DecryptionFailure for one secret fails the read with a ProviderError about the KMS key", async () => {
    failEntry("BULK_04", "DecryptionFailure");
    const reader = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    await expect(reader.getMany(names.slice(0, 5))).rejects.toMatchObject({
      code: "PROVIDER_ERROR",
      secret: "BULK_04",
      message: expect.stringMatching(/could not decrypt secret 'BULK_04' .* allow kms:Decrypt/),
    });
    await reader.close();
  });
});
