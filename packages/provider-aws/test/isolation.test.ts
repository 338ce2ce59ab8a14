/**
 * One unreadable secret among readable ones (a binary secret), and names that
 * are also property names of every object (`__proto__`, `constructor`…),
 * against real moto.
 */
import { ProviderError } from "@org/secrets-core/provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClient } from "../src/client.js";
import { BinarySecretError, createAwsProvider, parseAwsConfig } from "../src/index.js";
import { AwsDocumentBackend } from "../src/layouts/document-backend.js";
import { SecretWriter } from "../src/secret-writes.js";
import { boto3, countingClient, motoEndpoint, uniquePrefix } from "./support/aws.js";

const prefix = uniquePrefix("isolation");
/** A key, not the accessor: `obj[PROTO]` reads and writes a field named `__proto__`. */
const PROTO: string = "__proto__";
const CONSTRUCTOR: string = "constructor";
const counting = countingClient({ endpoint: motoEndpoint() });
const provider = createAwsProvider({ prefix, client: counting.client });

afterAll(async () => {
  await provider.close();
  counting.client.destroy();
});

describe("a binary secret among text ones", () => {
  beforeAll(async () => {
    await provider.set("TEXT_A", "text-value-a");
    await provider.set("TEXT_B", "text-value-b");
    await boto3(
      `import boto3\nsm = boto3.client("secretsmanager")\n` +
        `sm.create_secret(Name="${prefix}/BINARY_ONE", SecretBinary=bytes([0xff, 0xfe, 0x00, 0x9f]))\n` +
        `sm.create_secret(Name="${prefix}/BINARY_TWO", SecretBinary=bytes([0xc3, 0x28]))\n` +
        `sm.create_secret(Name="${prefix}/BINARY_UTF8", SecretBinary="héllo".encode("utf-8"))\n`,
    );
  });

  it("a single read of it fails with a clear error naming the secret; the others read fine", async () => {
    const error = await provider.get("BINARY_ONE").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BinarySecretError);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as BinarySecretError).secret).toBe("BINARY_ONE");
    expect((error as Error).message).toBe(
      `Secret 'BINARY_ONE' (${prefix}/BINARY_ONE) holds binary data (SecretBinary) that is not UTF-8 text; this toolkit reads text values only: store the value as text (for example base64) or read it with another tool`,
    );
    expect((await provider.get("TEXT_A"))?.value).toBe("text-value-a");
    // Binary data that is UTF-8 text is read as text.
    expect((await provider.get("BINARY_UTF8"))?.value).toBe("héllo");
  });

  it("a bulk read fails naming every binary secret, so the caller can read the rest one by one", async () => {
    counting.reset();
    const error = await provider
      .getMany(["TEXT_A", "BINARY_ONE", "TEXT_B", "BINARY_TWO", "BINARY_UTF8", "MISSING"])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BinarySecretError);
    expect((error as BinarySecretError).secrets).toEqual(["BINARY_ONE", "BINARY_TWO"]);
    expect((error as Error).message).toBe(
      `Secrets 'BINARY_ONE' (${prefix}/BINARY_ONE), 'BINARY_TWO' (${prefix}/BINARY_TWO) hold binary data (SecretBinary) that is not UTF-8 text; this toolkit reads text values only: store the value as text (for example base64) or read it with another tool`,
    );
    // One batch for the values (the metadata listing beside it).
    expect(counting.count("BatchGetSecretValue")).toBe(1);
    // Per-name reads then give every readable value, and the one error per binary secret.
    const results = await Promise.allSettled(
      ["TEXT_A", "BINARY_ONE", "TEXT_B", "BINARY_TWO", "BINARY_UTF8", "MISSING"].map((n) => provider.get(n)),
    );
    expect(
      results.map((r) => (r.status === "fulfilled" ? r.value?.value : (r.reason as Error).name)),
    ).toEqual(["text-value-a", "BinarySecretError", "text-value-b", "BinarySecretError", "héllo", undefined]);
  });

  it("without binary secrets the same bulk read succeeds", async () => {
    const values = await provider.getMany(["TEXT_A", "TEXT_B", "BINARY_UTF8", "MISSING"]);
    expect(Object.fromEntries([...values].map(([k, v]) => [k, v.value]))).toEqual({
      TEXT_A: "text-value-a",
      TEXT_B: "text-value-b",
      BINARY_UTF8: "héllo",
    });
  });
});

describe("names that are property names of every object", () => {
  const NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];

  it("round-trip in the per-secret layout: set, get, getMany, list, metadata", async () => {
    for (const [i, name] of NAMES.entries())
      await provider.set(name, `value-of-${i}`, {
        metadata: { rotatedAt: "2026-01-01T00:00:00.000Z", __proto__x: "y" },
      });
    for (const [i, name] of NAMES.entries()) expect((await provider.get(name))?.value).toBe(`value-of-${i}`);
    const many = await provider.getMany(NAMES);
    expect([...many.keys()].sort()).toEqual([...NAMES].sort());
    for (const [i, name] of NAMES.entries()) expect(many.get(name)?.value).toBe(`value-of-${i}`);
    expect(await provider.list()).toEqual(expect.arrayContaining(NAMES));
  });

  it("a metadata key named __proto__ comes back as an own field, not a prototype", async () => {
    const metadata = JSON.parse('{"__proto__":"evil","constructor":"c"}') as Record<string, string>;
    await provider.set("TAGGED", "tagged-value", { metadata });
    const record = await provider.get("TAGGED", { metadata: true });
    expect(Object.getPrototypeOf(record?.metadata)).toBe(null);
    expect(Object.hasOwn(record?.metadata ?? {}, "__proto__")).toBe(true);
    expect(record?.metadata?.[PROTO]).toBe("evil");
    expect(record?.metadata?.constructor).toBe("c");
  });

  it("tag keys __proto__ and constructor in SECRET_AWS_TAGS are own keys, in both forms", () => {
    for (const text of ["__proto__=a,constructor=b", '{"__proto__":"a","constructor":"b"}']) {
      const { config, errors } = parseAwsConfig({ SECRET_AWS_TAGS: text });
      expect(errors).toEqual([]);
      expect(Object.getPrototypeOf(config.tags)).toBe(null);
      expect(Object.keys(config.tags)).toEqual(["__proto__", "constructor"]);
      expect(config.tags[PROTO]).toBe("a");
    }
  });

  it("a document with fields __proto__ and constructor reads and writes them as fields", async () => {
    const docName = `${prefix}-doc`;
    const aws = new AwsClient({
      client: counting.client,
      region: "us-east-1",
      requestTimeoutMs: 5000,
      logger: { debug() {}, info() {}, warn() {}, error() {} } as never,
    });
    const writer = new SecretWriter(aws, { kmsKeyId: undefined, tags: {} });
    const backend = new AwsDocumentBackend(aws, writer, { label: docName, id: docName, restoreHint: "" });
    const fields = Object.create(null) as Record<string, string>;
    fields[PROTO] = "proto-value";
    fields[CONSTRUCTOR] = "constructor-value";
    fields.PLAIN = "plain-value";
    await backend.write(fields, undefined);
    const stored = await boto3(
      `import boto3\nprint(boto3.client("secretsmanager").get_secret_value(SecretId="${docName}")["SecretString"])`,
    );
    expect(JSON.parse(stored)).toEqual(
      JSON.parse('{"PLAIN":"plain-value","__proto__":"proto-value","constructor":"constructor-value"}'),
    );
    const read = await backend.read();
    expect(Object.getPrototypeOf(read?.fields)).toBe(null);
    expect(Object.keys(read?.fields ?? {}).sort()).toEqual(["PLAIN", "__proto__", "constructor"]);
    expect(read?.fields[PROTO]).toBe("proto-value");

    // Through the provider (and core's document layout): the fields read back, and writing another keeps them.
    const doc = createAwsProvider({ prefix: docName, layout: "document", client: counting.client });
    expect((await doc.get("__proto__"))?.value).toBe("proto-value");
    expect((await doc.get("constructor"))?.value).toBe("constructor-value");
    await doc.set("OTHER", "other-value");
    await doc.set("__proto__", "proto-value-2");
    const all = await doc.getMany(["__proto__", "constructor", "OTHER", "PLAIN"]);
    expect(Object.fromEntries([...all].map(([k, v]) => [k, v.value]))).toEqual(
      JSON.parse(
        '{"__proto__":"proto-value-2","constructor":"constructor-value","OTHER":"other-value","PLAIN":"plain-value"}',
      ),
    );
    expect(await doc.list()).toEqual(["OTHER", "PLAIN", "__proto__", "constructor"]);
  });
});
