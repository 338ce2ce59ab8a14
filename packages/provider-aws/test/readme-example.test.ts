import { readFile } from "node:fs/promises";
import { SecretManager } from "@org/secrets-core";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, rotateKey, secretsProvider } from "../examples/application.js";
import { countingClient, uniquePrefix } from "./support/aws.js";

const prefix = `${uniquePrefix("readme")}/production`;
const counting = countingClient();
const manager = new SecretManager({
  provider: secretsProvider(prefix, counting.client),
  cacheTtlMs: 300_000,
});
const other = new SecretManager({ provider: secretsProvider(prefix), cacheTtlMs: 0 });

afterAll(async () => {
  await manager.close();
  await other.close();
  counting.client.destroy();
});

describe("the README's example", () => {
  it("is in the README verbatim", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("../examples/application.ts", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it("loads the configuration, and says what to do when it is missing", async () => {
    await expect(loadConfig(manager)).rejects.toThrow("run secrets init");
    await other.setSecret("DATABASE_URL", "postgres://db/app");
    await other.setSecret("JWT_SECRET_KEY", "key-one");
    manager.invalidate();
    counting.reset();
    expect(await loadConfig(manager)).toEqual({ databaseUrl: "postgres://db/app", jwtKey: "key-one" });
    // Through the client given: one batch read for the values, and nothing else.
    expect(counting.count("BatchGetSecretValue")).toBe(1);
    expect(counting.total()).toBe(1);
  });

  it("rotates a key with check-and-set, keeping the old one readable", async () => {
    expect(await rotateKey(manager, "JWT_SECRET_KEY", "key-two")).toBe("rotated");
    expect(await other.getSecret("JWT_SECRET_KEY")).toBe("key-two");
    expect(await other.getSecret("JWT_SECRET_KEY", { version: "previous" })).toBe("key-one");
    const record = await other.getSecretRecord("JWT_SECRET_KEY", { metadata: true });
    expect(Date.parse(record?.metadata?.rotatedAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(await rotateKey(manager, "NEW_KEY", "first")).toBe("rotated");
    expect(await other.getSecret("NEW_KEY")).toBe("first");
  });

  it("reports a concurrent change instead of overwriting it", async () => {
    const current = await manager.getSecretRecord("JWT_SECRET_KEY", { fresh: true });
    // Somebody else rotates between our read and our write.
    await other.setSecret("JWT_SECRET_KEY", "rotated elsewhere", { ifVersion: current?.version as string });
    await expect(
      manager.setSecret("JWT_SECRET_KEY", "ours", { ifVersion: current?.version as string }),
    ).rejects.toThrow("was changed by someone else");
    expect(await other.getSecret("JWT_SECRET_KEY")).toBe("rotated elsewhere");
  });
});
