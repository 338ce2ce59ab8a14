import { SecretManager } from "@org/secrets-core";
import {
  ProviderError,
  SecretConflictError,
  SecretNotFoundError,
  SecretScheduledForDeletionError,
} from "@org/secrets-core/provider";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createAwsProvider, MAX_DOCUMENT_BYTES } from "../src/index.js";
import { boto3, countingClient, uniquePrefix } from "./support/aws.js";

const documentName = `${uniquePrefix("document")}/app`;
const counting = countingClient();
const provider = createAwsProvider({ prefix: documentName, layout: "document", client: counting.client });

const readDocument = async (name = documentName) =>
  JSON.parse(
    await boto3(
      `import boto3; print(boto3.client("secretsmanager").get_secret_value(SecretId="${name}")["SecretString"])`,
    ),
  );

afterAll(async () => {
  await provider.close();
  counting.client.destroy();
});
beforeEach(() => counting.reset());

describe("document layout: every secret a field of one JSON object in one secret", () => {
  it("check reports the document absent before the first write", async () => {
    expect((await provider.check()).details).toMatchObject({ layout: "document", document: "absent" });
    expect(await provider.get("ANYTHING")).toBeUndefined();
    expect(await provider.list()).toEqual([]);
  });

  it("keeps the fields, sorted, in the one secret named by the prefix", async () => {
    await provider.set("ZETA", "z");
    await provider.set("ALPHA", "a");
    await provider.set("ALPHA", "a2");
    expect(await readDocument()).toEqual({ ALPHA: "a2", ZETA: "z" });
    expect(Object.keys(await readDocument())).toEqual(["ALPHA", "ZETA"]);
    expect(await provider.list()).toEqual(["ALPHA", "ZETA"]);
    expect((await provider.check()).details).toMatchObject({ document: "present" });
  });

  it("reads any number of secrets with one request", async () => {
    const records = await provider.getMany(["ALPHA", "ZETA", "MISSING"]);
    expect(counting.total()).toBe(1);
    expect(counting.count("GetSecretValue")).toBe(1);
    expect([...records].map(([name, r]) => [name, r.value])).toEqual([
      ["ALPHA", "a2"],
      ["ZETA", "z"],
    ]);
  });

  it("reads the previous document version", async () => {
    await provider.set("PREV_FIELD", "before");
    await provider.set("PREV_FIELD", "after");
    expect((await provider.get("PREV_FIELD", { version: "previous" }))?.value).toBe("before");
    expect((await provider.get("PREV_FIELD"))?.value).toBe("after");
  });

  it("honours ifAbsent and ifVersion per field", async () => {
    await provider.set("ONCE_ONLY", "first", { ifAbsent: true });
    await expect(provider.set("ONCE_ONLY", "second", { ifAbsent: true })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    const record = await provider.get("ONCE_ONLY");
    await provider.set("ONCE_ONLY", "third", { ifVersion: record?.version as string });
    await expect(
      provider.set("ONCE_ONLY", "fourth", { ifVersion: record?.version as string }),
    ).rejects.toBeInstanceOf(SecretConflictError);
    expect((await provider.get("ONCE_ONLY"))?.value).toBe("third");
  });

  it("deleting a field removes it from the document at once", async () => {
    await provider.set("TEMPORARY", "x");
    expect(await provider.delete("TEMPORARY")).toBe(true);
    expect(await provider.delete("TEMPORARY")).toBe(false);
    expect(await readDocument()).not.toHaveProperty("TEMPORARY");
  });

  it("concurrent writers of different fields all land (lost races are detected and retried)", async () => {
    for (let round = 0; round < 5; round++) {
      const a = createAwsProvider({ prefix: documentName, layout: "document" });
      const b = createAwsProvider({ prefix: documentName, layout: "document" });
      await Promise.all([a.set(`LEFT_${round}`, `l${round}`), b.set(`RIGHT_${round}`, `r${round}`)]);
      const doc = await readDocument();
      expect(doc[`LEFT_${round}`]).toBe(`l${round}`);
      expect(doc[`RIGHT_${round}`]).toBe(`r${round}`);
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("sixteen concurrent writers of sixteen fields: every write lands, none is lost", async () => {
    const busy = `${documentName}-busy`;
    const writers = Array.from({ length: 16 }, () => createAwsProvider({ prefix: busy, layout: "document" }));
    await writers[0]?.set("SEED", "seed");
    await Promise.all(writers.map((w, i) => w.set(`FIELD_${i}`, `value-${i}`)));
    const expected: Record<string, string> = { SEED: "seed" };
    for (let i = 0; i < 16; i++) expected[`FIELD_${i}`] = `value-${i}`;
    expect(await readDocument(busy)).toEqual(expected);
    await Promise.all(writers.map((w) => w.close()));
  });

  it("sixteen concurrent ifAbsent creates of one field in a fresh document: one value wins, everyone sees it", async () => {
    const fresh = `${documentName}-race`;
    const writers = Array.from({ length: 16 }, () =>
      createAwsProvider({ prefix: fresh, layout: "document" }),
    );
    const results = await Promise.all(
      writers.map((w, i) =>
        w.set("SHARED", `value-${i}`, { ifAbsent: true }).then(
          () => "won",
          (e: unknown) => (e instanceof SecretConflictError ? "lost" : String(e)),
        ),
      ),
    );
    expect(results.filter((r) => r === "won")).toHaveLength(1);
    expect(results.filter((r) => r === "lost")).toHaveLength(15);
    const winner = results.indexOf("won");
    expect(await readDocument(fresh)).toEqual({ SHARED: `value-${winner}` });
    await Promise.all(writers.map((w) => w.close()));
  });

  it("refuses a document over the 64 KiB limit before sending it", async () => {
    const before = counting.count("PutSecretValue");
    const write = provider.set("HUGE", "x".repeat(MAX_DOCUMENT_BYTES));
    await expect(write).rejects.toBeInstanceOf(ProviderError);
    await expect(write).rejects.toThrow(
      /over the 65536-byte limit of AWS Secrets Manager: use the per-secret layout/,
    );
    expect(counting.count("PutSecretValue")).toBe(before);
  });

  it("reports a secret that is not a JSON object without showing its content", async () => {
    const other = `${documentName}-not-json`;
    await boto3(
      `import boto3; boto3.client("secretsmanager").create_secret(Name="${other}", SecretString="plain text value")`,
    );
    const reader = createAwsProvider({ prefix: other, layout: "document" });
    const read = reader.get("X");
    await expect(read).rejects.toThrow(
      `The secrets document '${other}' cannot be read: it is not valid JSON; the document layout keeps one JSON object of strings in that secret`,
    );
    await expect(read).rejects.not.toThrow(/plain text value/);
    await reader.close();
  });

  it("a document scheduled for deletion is reported by get with the secret's restore command; restore brings it back", async () => {
    const doomed = `${documentName}-doomed`;
    const app = createAwsProvider({ prefix: doomed, layout: "document" });
    await app.set("KEPT", "kept value");
    await boto3(
      `import boto3; boto3.client("secretsmanager").delete_secret(SecretId="${doomed}", RecoveryWindowInDays=7)`,
    );
    const read = app.get("KEPT");
    await expect(read).rejects.toBeInstanceOf(SecretScheduledForDeletionError);
    await expect(read).rejects.toThrow(/restore it with secrets restore KEPT$/);
    await expect(app.check()).rejects.toBeInstanceOf(SecretScheduledForDeletionError);
    await app.restore("KEPT");
    expect((await app.get("KEPT"))?.value).toBe("kept value");
    await app.close();
  });

  it("restoring a field deleted from a standing document is not reported done: the delete is final", async () => {
    await provider.set("FIELD_GONE", "field value");
    expect(await provider.delete("FIELD_GONE")).toBe(true);
    const restore = provider.restore("FIELD_GONE");
    await expect(restore).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(restore).rejects.toThrow(
      `Secret 'FIELD_GONE' is not in the secrets document '${documentName}': there is nothing to restore (a field deleted from the document is gone for good)`,
    );
    expect(await provider.get("FIELD_GONE")).toBeUndefined();
  });

  it("works behind core's SecretManager", async () => {
    const manager = new SecretManager({ provider, cacheTtlMs: 0 });
    await manager.setSecret("VIA_CORE", "core");
    expect(await manager.getSecrets(["VIA_CORE", "ALPHA"])).toEqual(
      new Map([
        ["VIA_CORE", "core"],
        ["ALPHA", "a2"],
      ]),
    );
  });
});
