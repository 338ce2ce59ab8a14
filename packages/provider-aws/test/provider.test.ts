import { SecretManager } from "@org/secrets-core";
import { SecretConflictError, type SecretRecord } from "@org/secrets-core/provider";
import { HostileProxy } from "@org/secrets-test-support";
import { afterAll, describe, expect, it } from "vitest";
import { AwsSecretsManagerProvider, createAwsProvider, METADATA_TAG_PREFIX } from "../src/index.js";
import { boto3, countingClient, motoEndpoint, uniquePrefix } from "./support/aws.js";

const prefix = uniquePrefix("provider");
const counting = countingClient();
const provider = createAwsProvider({ prefix, client: counting.client });

afterAll(async () => {
  await provider.close();
  counting.client.destroy();
});

describe("per-secret layout: reads and writes", () => {
  it("stores each secret as <prefix>/<NAME> holding the raw value, readable by the AWS tools as is", async () => {
    await provider.set("PLAIN", 'raw value, not JSON: {"a": 1}');
    const stored = await boto3(
      `import boto3; print(boto3.client("secretsmanager").get_secret_value(SecretId="${prefix}/PLAIN")["SecretString"], end="")`,
    );
    expect(stored).toBe('raw value, not JSON: {"a": 1}');
    expect(provider.secretId("PLAIN")).toBe(`${prefix}/PLAIN`);
  });

  it("returns undefined for a secret that does not exist, and false when deleting it", async () => {
    expect(await provider.get("NEVER_CREATED")).toBeUndefined();
    expect(await provider.delete("NEVER_CREATED")).toBe(false);
  });

  it("returns version, dates and metadata with a read", async () => {
    const before = Date.now() - 2000;
    const written = await provider.set("WITH_META", "v1", {
      metadata: { rotatedAt: "2024-01-02T03:04:05.000Z" },
    });
    counting.reset();
    const plain = (await provider.get("WITH_META")) as SecretRecord;
    // The value alone is one request; tags and the creation date are not fetched.
    expect(counting.counts).toEqual(new Map([["GetSecretValue", 1]]));
    expect(plain).toMatchObject({ value: "v1", version: written.version });
    expect(plain.metadata).toBeUndefined();
    counting.reset();
    const record = (await provider.get("WITH_META", { metadata: true })) as SecretRecord;
    expect(counting.counts).toEqual(
      new Map([
        ["GetSecretValue", 1],
        ["DescribeSecret", 1],
      ]),
    );
    expect(record.value).toBe("v1");
    expect(record.version).toBe(written.version);
    expect(record.updatedAt?.getTime()).toBeGreaterThanOrEqual(before);
    expect(record.createdAt?.getTime()).toBeGreaterThanOrEqual(before);
    expect(record.metadata).toEqual({ rotatedAt: "2024-01-02T03:04:05.000Z" });
    const tags = await boto3(
      `import boto3, json; print(json.dumps(boto3.client("secretsmanager").describe_secret(SecretId="${prefix}/WITH_META")["Tags"]))`,
    );
    expect(JSON.parse(tags)).toEqual([
      { Key: `${METADATA_TAG_PREFIX}rotatedAt`, Value: "2024-01-02T03:04:05.000Z" },
    ]);
  });

  it("set replaces the value with PutSecretValue, keeping the old one as AWSPREVIOUS", async () => {
    const first = await provider.set("ROTATED", "first");
    const second = await provider.set("ROTATED", "second", {
      metadata: { rotatedAt: "2025-01-01T00:00:00.000Z" },
    });
    expect(second.version).not.toBe(first.version);
    expect((await provider.get("ROTATED"))?.value).toBe("second");
    const previous = await provider.get("ROTATED", { version: "previous" });
    expect(previous).toMatchObject({ value: "first", version: first.version });
    expect((await provider.get("ROTATED", { version: first.version as string }))?.value).toBe("first");
    expect((await provider.get("ROTATED", { metadata: true }))?.metadata).toEqual({
      rotatedAt: "2025-01-01T00:00:00.000Z",
    });
    const stages = await boto3(
      `import boto3, json; print(json.dumps(boto3.client("secretsmanager").describe_secret(SecretId="${prefix}/ROTATED")["VersionIdsToStages"]))`,
    );
    expect(JSON.parse(stages)).toEqual({
      [first.version as string]: ["AWSPREVIOUS"],
      [second.version as string]: ["AWSCURRENT"],
    });
  });

  it("has no previous version for a secret written once, and no version for an id that cannot exist", async () => {
    await provider.set("ONCE", "only");
    expect(await provider.get("ONCE", { version: "previous" })).toBeUndefined();
    expect(await provider.get("ONCE", { version: "not-a-version" })).toBeUndefined();
    expect(await provider.get("ONCE", { version: "0123456789abcdef0123456789abcdef" })).toBeUndefined();
  });

  it("ifAbsent creates with CreateSecret and refuses an existing secret with SecretConflictError", async () => {
    counting.reset();
    const created = await provider.set("CREATE_ONCE", "mine", { ifAbsent: true });
    expect(counting.count("CreateSecret")).toBe(1);
    expect(counting.total()).toBe(1);
    const again = provider.set("CREATE_ONCE", "theirs", { ifAbsent: true });
    await expect(again).rejects.toBeInstanceOf(SecretConflictError);
    await expect(again).rejects.toThrow("Secret 'CREATE_ONCE' already exists in AWS Secrets Manager");
    expect(await provider.get("CREATE_ONCE")).toMatchObject({ value: "mine", version: created.version });
  });

  it("ifVersion writes only over the version expected", async () => {
    const v1 = await provider.set("GUARDED", "one");
    const v2 = await provider.set("GUARDED", "two", { ifVersion: v1.version as string });
    expect((await provider.get("GUARDED"))?.value).toBe("two");
    await expect(
      provider.set("GUARDED", "stale", { ifVersion: v1.version as string }),
    ).rejects.toBeInstanceOf(SecretConflictError);
    expect(await provider.get("GUARDED")).toMatchObject({ value: "two", version: v2.version });
    await expect(
      provider.set("NO_SUCH_GUARDED", "x", { ifVersion: v1.version as string }),
    ).rejects.toBeInstanceOf(SecretConflictError);
  });

  it("two concurrent check-and-set writers from the same version: exactly one wins, and its value stays", async () => {
    for (let round = 0; round < 8; round++) {
      const name = `RACE_${round}`;
      const base = await provider.set(name, "base");
      const writers = ["left", "right"].map((value) =>
        provider.set(name, value, { ifVersion: base.version as string }).then(
          () => ({ value, ok: true }),
          (error: unknown) => ({ value, ok: false, conflict: error instanceof SecretConflictError }),
        ),
      );
      const results = await Promise.all(writers);
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([expect.objectContaining({ conflict: true })]);
      expect((await provider.get(name))?.value).toBe(winners[0]?.value);
    }
  });

  it("eight concurrent check-and-set writers from the same version: exactly one wins (its version id can be created once)", async () => {
    const base = await provider.set("EIGHT_WAY", "base");
    const writers = Array.from({ length: 8 }, () => createAwsProvider({ prefix }));
    const results = await Promise.allSettled(
      writers.map((w, i) => w.set("EIGHT_WAY", `writer-${i}`, { ifVersion: base.version as string })),
    );
    const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toBeInstanceOf(SecretConflictError);
    expect((await provider.get("EIGHT_WAY"))?.value).toBe(`writer-${winners[0]}`);
    expect((await provider.get("EIGHT_WAY", { version: "previous" }))?.value).toBe("base");
    await Promise.all(writers.map((w) => w.close()));
  });

  it("a plain write landing between a checked write's check and its write is put back, and the checked write fails", async () => {
    const proxy = await new HostileProxy({ target: motoEndpoint(), flavor: "aws" }).start();
    const checked = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    const base = await provider.set("INTERLEAVED", "base");
    // The moment the checked writer sends its PutSecretValue, someone else writes unconditionally.
    proxy.also(
      {
        kind: "before",
        run: async () => {
          await provider.set("INTERLEAVED", "plain write in between");
        },
      },
      "PutSecretValue",
      { times: 1 },
    );
    const write = checked.set("INTERLEAVED", "checked write", { ifVersion: base.version as string });
    await expect(write).rejects.toBeInstanceOf(SecretConflictError);
    await expect(write).rejects.toThrow(
      "was changed by someone else while it was being written; their value was kept",
    );
    expect((await provider.get("INTERLEAVED"))?.value).toBe("plain write in between");
    await checked.close();
    await proxy.stop();
  });

  it("putting a displaced write back never undoes a checked write made on top of ours since", async () => {
    const proxy = await new HostileProxy({ target: motoEndpoint(), flavor: "aws" }).start();
    const checked = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    const base = await provider.set("OVERTAKEN", "base");
    let puts = 0;
    proxy.also(
      {
        kind: "before",
        run: async () => {
          puts++;
          // 1: a plain write lands between the checked write's check and its write.
          if (puts === 1) await provider.set("OVERTAKEN", "plain write in between");
          // 2: before the checked writer puts that value back, a third writer makes a
          // checked write on top of the checked write (which is now current).
          if (puts === 2) {
            const current = await provider.get("OVERTAKEN");
            expect(current?.value).toBe("checked write");
            await provider.set("OVERTAKEN", "checked write on top", {
              ifVersion: current?.version as string,
            });
          }
        },
      },
      "PutSecretValue",
      { times: 2 },
    );
    const write = checked.set("OVERTAKEN", "checked write", { ifVersion: base.version as string });
    await expect(write).rejects.toBeInstanceOf(SecretConflictError);
    await expect(write).rejects.toThrow("their value could not be put back without undoing that newer write");
    expect(puts).toBe(2);
    expect((await provider.get("OVERTAKEN"))?.value).toBe("checked write on top");
    await checked.close();
    await proxy.stop();
  });

  it("lists this application's secrets by name, sorted, and nothing else", async () => {
    const other = createAwsProvider({ prefix: `${prefix}-other` });
    await other.set("NOT_MINE", "x");
    const names = await provider.list();
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(
      expect.arrayContaining(["PLAIN", "WITH_META", "ROTATED", "CREATE_ONCE", "GUARDED"]),
    );
    expect(names).not.toContain("NOT_MINE");
    await other.close();
  });

  it("check reports the region and layout", async () => {
    const status = await provider.check();
    expect(status.details).toMatchObject({ region: "us-east-1", layout: "per-secret", prefix });
  });

  it("works behind core's SecretManager", async () => {
    const manager = new SecretManager({ provider: new AwsSecretsManagerProvider({ prefix }), cacheTtlMs: 0 });
    await manager.setSecret("THROUGH_CORE", "core value");
    expect(await manager.getSecret("THROUGH_CORE")).toBe("core value");
    expect(await manager.getSecrets(["THROUGH_CORE", "PLAIN", "MISSING_ONE"])).toEqual(
      new Map([
        ["THROUGH_CORE", "core value"],
        ["PLAIN", 'raw value, not JSON: {"a": 1}'],
      ]),
    );
    expect(await manager.deleteSecret("THROUGH_CORE", { permanent: true })).toBe(true);
    expect(await manager.getSecret("THROUGH_CORE")).toBeUndefined();
    await manager.close();
  });
});
