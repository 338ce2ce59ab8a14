import { SecretManager } from "@org/secrets-core";
import { SecretNotFoundError, SecretScheduledForDeletionError } from "@org/secrets-core/provider";
import { HostileProxy } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsProvider } from "../src/index.js";
import { boto3, countingClient, motoEndpoint, uniquePrefix } from "./support/aws.js";

const DAY = 86_400_000;
const prefix = uniquePrefix("deletion");
const counting = countingClient();
const provider = createAwsProvider({ prefix, client: counting.client });

afterAll(async () => {
  await provider.close();
  counting.client.destroy();
});

async function scheduledError(read: Promise<unknown>): Promise<SecretScheduledForDeletionError> {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretScheduledForDeletionError);
  return error as SecretScheduledForDeletionError;
}

describe("deletion with a recovery window", () => {
  it("deletes with a 30-day recovery window by default; get then reports the date and how to restore", async () => {
    await provider.set("WINDOWED", "keep me");
    counting.reset();
    const started = Date.now();
    expect(await provider.delete("WINDOWED")).toBe(true);
    expect(counting.count("DeleteSecret")).toBe(1);

    const error = await scheduledError(provider.get("WINDOWED"));
    expect(error.code).toBe("SECRET_SCHEDULED_FOR_DELETION");
    expect(error.secret).toBe("WINDOWED");
    const date = error.deletionDate as Date;
    expect(date.getTime()).toBeGreaterThan(started + 30 * DAY - 60_000);
    expect(date.getTime()).toBeLessThan(Date.now() + 30 * DAY + 60_000);
    expect(error.message).toBe(
      `Secret 'WINDOWED' (${prefix}/WINDOWED) is scheduled for deletion in AWS Secrets Manager and will be deleted permanently after ${date.toISOString()}: restore it with secrets restore WINDOWED`,
    );
    expect(error.message).not.toContain("keep me");
  });

  it("honours a configured recovery window (7–30 days)", async () => {
    const short = createAwsProvider({ prefix, recoveryWindowDays: 7 });
    await short.set("SHORT_WINDOW", "x");
    expect(await short.delete("SHORT_WINDOW")).toBe(true);
    const error = await scheduledError(short.get("SHORT_WINDOW"));
    expect((error.deletionDate as Date).getTime()).toBeLessThan(Date.now() + 7 * DAY + 60_000);
    expect((error.deletionDate as Date).getTime()).toBeGreaterThan(Date.now() + 7 * DAY - 120_000);
    await short.close();
  });

  it("refuses to write a secret in its recovery window, as AWS does (moto alone would accept PutSecretValue)", async () => {
    await provider.set("NO_WRITES", "original");
    await provider.delete("NO_WRITES");
    counting.reset();
    const write = provider.set("NO_WRITES", "overwritten?");
    await expect(write).rejects.toBeInstanceOf(SecretScheduledForDeletionError);
    await expect(write).rejects.toThrow("restore it with secrets restore NO_WRITES");
    expect(counting.count("PutSecretValue")).toBe(0);
    await expect(provider.set("NO_WRITES", "again", { ifVersion: "0".repeat(32) })).rejects.toBeInstanceOf(
      SecretScheduledForDeletionError,
    );
    expect(counting.count("PutSecretValue")).toBe(0);
    await provider.restore("NO_WRITES");
    expect((await provider.get("NO_WRITES"))?.value).toBe("original");
  });

  it("creating a name in its recovery window reports it scheduled (moto answers ResourceExistsException)", async () => {
    await provider.set("CREATE_DELETED", "old");
    await provider.delete("CREATE_DELETED");
    const create = provider.set("CREATE_DELETED", "new", { ifAbsent: true });
    await expect(create).rejects.toBeInstanceOf(SecretScheduledForDeletionError);
    await expect(create).rejects.toThrow("secrets restore CREATE_DELETED");
  });

  it("deleting a secret already scheduled returns false; with permanent it is deleted at once", async () => {
    await provider.set("TWICE", "x");
    expect(await provider.delete("TWICE")).toBe(true);
    expect(await provider.delete("TWICE")).toBe(false);
    expect(await provider.delete("TWICE", { permanent: true })).toBe(true);
    expect(await provider.get("TWICE")).toBeUndefined();
    await expect(provider.restore("TWICE")).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it("restore cancels the deletion: the value and its versions are back", async () => {
    const first = await provider.set("RESTORED", "one");
    await provider.set("RESTORED", "two");
    await provider.delete("RESTORED");
    await provider.restore("RESTORED");
    expect((await provider.get("RESTORED"))?.value).toBe("two");
    expect(await provider.get("RESTORED", { version: "previous" })).toMatchObject({
      value: "one",
      version: first.version,
    });
    await provider.set("RESTORED", "three");
    expect((await provider.get("RESTORED"))?.value).toBe("three");
  });

  it("lists secrets in their recovery window only when asked", async () => {
    await provider.set("LISTED_DELETED", "x");
    await provider.delete("LISTED_DELETED");
    expect(await provider.list()).not.toContain("LISTED_DELETED");
    expect(await provider.list({ includeScheduledForDeletion: true })).toContain("LISTED_DELETED");
  });

  it("core's manager passes the scheduled-deletion error through unchanged", async () => {
    await provider.set("VIA_MANAGER", "x");
    await provider.delete("VIA_MANAGER");
    const manager = new SecretManager({ provider, cacheTtlMs: 0 });
    await expect(manager.getSecret("VIA_MANAGER")).rejects.toBeInstanceOf(SecretScheduledForDeletionError);
    await manager.restoreSecret("VIA_MANAGER");
    expect(await manager.getSecret("VIA_MANAGER")).toBe("x");
  });
});

describe("deletion without recovery", () => {
  it("permanent: true deletes at once with ForceDeleteWithoutRecovery; nothing is left to restore", async () => {
    await provider.set("GONE_NOW", "x");
    expect(await provider.delete("GONE_NOW", { permanent: true })).toBe(true);
    expect(await provider.get("GONE_NOW")).toBeUndefined();
    const exists = await boto3(
      `import boto3\ntry:\n  boto3.client("secretsmanager").describe_secret(SecretId="${prefix}/GONE_NOW"); print("present")\nexcept Exception as e:\n  print(type(e).__name__)`,
    );
    expect(exists.trim()).toBe("ResourceNotFoundException");
    const restore = provider.restore("GONE_NOW");
    await expect(restore).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(restore).rejects.toThrow(
      `Secret 'GONE_NOW' (${prefix}/GONE_NOW) was not found in AWS Secrets Manager: there is nothing to restore`,
    );
  });
});

describe("AWS's answers where moto differs", () => {
  const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });
  beforeAll(async () => {
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it("CreateSecret answered InvalidRequestException on a name scheduled for deletion (AWS) is reported as scheduled", async () => {
    await provider.set("AWS_CREATE_DELETED", "old");
    await provider.delete("AWS_CREATE_DELETED");
    proxy.forward().resetCounts().also(
      {
        kind: "status",
        status: 400,
        type: "InvalidRequestException",
        message:
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
      },
      "CreateSecret",
    );
    const viaProxy = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    const create = viaProxy.set("AWS_CREATE_DELETED", "new", { ifAbsent: true });
    await expect(create).rejects.toBeInstanceOf(SecretScheduledForDeletionError);
    await expect(create).rejects.toThrow("restore it with secrets restore AWS_CREATE_DELETED");
    await viaProxy.close();
  });

  it("a DeletedDate in the past (the time of the delete request) is reported as such, without inventing an end date", async () => {
    await provider.set("PAST_DATE", "x");
    await provider.delete("PAST_DATE");
    proxy
      .forward()
      .resetCounts()
      .also(
        { kind: "rewrite", change: (body) => ({ ...body, DeletedDate: 1_700_000_000 }) },
        "DescribeSecret",
      );
    const viaProxy = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    const error = await scheduledError(viaProxy.get("PAST_DATE"));
    expect(error.deletionDate).toBeUndefined();
    expect(error.message).toBe(
      `Secret 'PAST_DATE' (${prefix}/PAST_DATE) is scheduled for deletion in AWS Secrets Manager since 2023-11-14T22:13:20.000Z: restore it with secrets restore PAST_DATE`,
    );
    await viaProxy.close();
  });
});

describe("a delete whose answer was lost, retried", () => {
  const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });
  beforeAll(async () => {
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it("the retry that finds the secret scheduled reports the delete done, and it can be restored", async () => {
    await provider.set("LOST_DELETE_ANSWER", "restorable");
    proxy.forward().resetCounts().set({ kind: "lose-answer" }, "DeleteSecret", { times: 1 });
    const viaProxy = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    try {
      expect(await viaProxy.delete("LOST_DELETE_ANSWER")).toBe(true);
      expect(proxy.countRequests().count("DeleteSecret")).toBe(2);
    } finally {
      await viaProxy.close();
    }
    await scheduledError(provider.get("LOST_DELETE_ANSWER"));
    await provider.restore("LOST_DELETE_ANSWER");
    expect((await provider.get("LOST_DELETE_ANSWER"))?.value).toBe("restorable");
  });

  it("a secret already scheduled for deletion is still nothing to delete", async () => {
    await provider.set("ALREADY_SCHEDULED", "x");
    await provider.delete("ALREADY_SCHEDULED");
    expect(await provider.delete("ALREADY_SCHEDULED")).toBe(false);
  });
});

describe("document layout: writes whose answers were lost", () => {
  const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });
  beforeAll(async () => {
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it("a delete, a create and a checked write are each reported done", async () => {
    const doc = createAwsProvider({
      prefix: `${prefix}-doc`,
      layout: "document",
      clientConfig: { endpoint: proxy.url },
    });
    try {
      proxy.forward();
      await doc.set("DOC_KEEP", "kept-field");
      await doc.set("DOC_GONE", "to-delete");
      const lose = () => proxy.set({ kind: "lose-answer" }, ["PutSecretValue", "CreateSecret"], { times: 1 });
      lose();
      expect(await doc.delete("DOC_GONE")).toBe(true);
      lose();
      await doc.set("DOC_NEW", "created-once", { ifAbsent: true });
      const before = await doc.get("DOC_KEEP");
      lose();
      await doc.set("DOC_KEEP", "rotated-field", { ifVersion: before?.version as string });
      proxy.forward();
      expect(await doc.get("DOC_GONE")).toBeUndefined();
      expect((await doc.get("DOC_NEW"))?.value).toBe("created-once");
      expect((await doc.get("DOC_KEEP"))?.value).toBe("rotated-field");
    } finally {
      await doc.close();
    }
  });
});
