/**
 * A debug-level log of every operation, failures included, must never hold a
 * secret value or the AWS secret access key; neither may any error message.
 */
import { createLogger, SecretManager } from "@org/secrets-core";
import { HostileProxy } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsProvider } from "../src/index.js";
import { motoEndpoint, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, uniquePrefix } from "./support/aws.js";

const prefix = uniquePrefix("logging");
const lines: string[] = [];
const logger = createLogger({ level: "debug", format: "json", write: (line) => lines.push(line) });
const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });
const values = {
  first: "first-value-8c1f2e9b7a",
  second: "second-value-55d0e1c3f4",
  third: "third-value-a1b2c3d4e5",
  document: "document-value-77e6f5d4c3",
};

beforeAll(async () => {
  await proxy.start();
});
afterAll(async () => {
  await proxy.stop();
});

describe("debug logging over every operation", () => {
  it("never shows a value or the secret access key, in log lines or error messages", async () => {
    const provider = createAwsProvider({ prefix, logger, clientConfig: { endpoint: proxy.url } });
    const manager = new SecretManager({ provider, logger, cacheTtlMs: 0 });
    const errors: unknown[] = [];
    const expectFailure = async (action: Promise<unknown>) => {
      await action.then(
        () => expect.fail("expected a failure"),
        (error: unknown) => errors.push(error),
      );
    };

    // Successful operations.
    await manager.setSecret("LOGGED", values.first, {
      ifAbsent: true,
      metadata: { rotatedAt: "2025-01-01T00:00:00.000Z" },
    });
    const record = await manager.getSecretRecord("LOGGED");
    await manager.setSecret("LOGGED", values.second, { ifVersion: record?.version as string });
    await manager.setSecret("LOGGED", values.third);
    await manager.getSecrets(["LOGGED", "ABSENT"]);
    await manager.getSecret("LOGGED", { version: "previous" });
    await manager.listSecrets();
    await manager.checkProvider();

    // Failures of every kind.
    await expectFailure(manager.setSecret("LOGGED", values.first, { ifAbsent: true }));
    await expectFailure(manager.setSecret("LOGGED", values.first, { ifVersion: record?.version as string }));
    proxy
      .forward()
      .resetCounts()
      .also({ kind: "status", status: 400, type: "AccessDeniedException" }, "GetSecretValue");
    await expectFailure(manager.getSecret("LOGGED"));
    proxy
      .forward()
      .resetCounts()
      .also({ kind: "status", status: 400, type: "ThrottlingException" }, "GetSecretValue");
    await expectFailure(manager.getSecret("LOGGED"));
    proxy
      .forward()
      .resetCounts()
      .also({ kind: "status", status: 400, type: "DecryptionFailure" }, "GetSecretValue");
    await expectFailure(manager.getSecret("LOGGED"));
    proxy
      .forward()
      .resetCounts()
      .also(
        {
          kind: "status",
          status: 400,
          type: "InvalidParameterException",
          message: `Value '${values.first}' at 'secretString' failed to satisfy constraint`,
        },
        "PutSecretValue",
      );
    await expectFailure(manager.setSecret("LOGGED", values.first));
    proxy
      .forward()
      .resetCounts()
      .also({ kind: "status", status: 400, type: "ExpiredTokenException" }, "PutSecretValue");
    await expectFailure(manager.setSecret("LOGGED", values.first));
    proxy
      .forward()
      .resetCounts()
      .also({ kind: "status", status: 400, type: "AccessDeniedException" }, "BatchGetSecretValue");
    await manager.getSecrets(["LOGGED", "ABSENT"]);
    proxy
      .forward()
      .resetCounts()
      .also({ kind: "status", status: 400, type: "AccessDeniedException" }, "TagResource");
    await manager.setSecret("LOGGED", values.second, { metadata: { rotatedAt: "2026-01-01T00:00:00.000Z" } });
    proxy
      .forward()
      .resetCounts()
      .also(
        {
          kind: "before",
          run: async () => {
            await createAwsProvider({ prefix }).set("LOGGED", values.third);
          },
        },
        "PutSecretValue",
        { times: 1 },
      );
    const current = await manager.getSecretRecord("LOGGED", { fresh: true });
    await expectFailure(manager.setSecret("LOGGED", values.first, { ifVersion: current?.version as string }));
    proxy.forward().resetCounts();

    // Deletion, scheduled deletion, restore.
    await manager.deleteSecret("LOGGED");
    await expectFailure(manager.getSecret("LOGGED"));
    await expectFailure(manager.setSecret("LOGGED", values.first));
    await manager.restoreSecret("LOGGED");
    await manager.deleteSecret("LOGGED", { permanent: true });

    // The document layout too.
    const document = createAwsProvider({ prefix: `${prefix}/document`, layout: "document", logger });
    const documentManager = new SecretManager({ provider: document, logger, cacheTtlMs: 0 });
    await documentManager.setSecret("IN_DOCUMENT", values.document);
    await documentManager.getSecrets(["IN_DOCUMENT"]);
    await expectFailure(documentManager.setSecret("IN_DOCUMENT", values.first, { ifAbsent: true }));
    await documentManager.deleteSecret("IN_DOCUMENT");

    await manager.close();
    await documentManager.close();

    expect(lines.length).toBeGreaterThan(30);
    expect(errors).toHaveLength(11);
    const texts = [
      ...lines,
      ...errors.map((e) => (e instanceof Error ? `${e.message}\n${e.stack}` : String(e))),
    ];
    for (const text of texts) {
      for (const value of Object.values(values)) expect(text).not.toContain(value);
      expect(text).not.toContain(TEST_SECRET_ACCESS_KEY);
    }
    // What the logs do say: operations, outcomes, error codes, and the provider's own notes.
    const joined = lines.join("\n");
    expect(joined).toContain('"msg":"secret.get"');
    expect(joined).toContain('"error_code":"ACCESS_DENIED"');
    expect(joined).toContain("BatchGetSecretValue is not allowed");
    expect(joined).toContain("aws.tag failed");
    expect(joined).toContain("aws.write displaced a concurrent write");
    expect(joined).not.toContain(TEST_ACCESS_KEY_ID);
  });
});
