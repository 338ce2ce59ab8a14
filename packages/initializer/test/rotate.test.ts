import { type ProviderCapabilities, SecretConfigError } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { parseManifest, type RotateResult, SecretInitializer } from "../src/index.js";
import { captureLogs, MemoryProvider, managerFor } from "./helpers.js";

const MANIFEST = parseManifest(`version: 1
secrets:
  SECRET_KEY: { generate: { kind: hex, length: 64 }, rotation: 90d }
  JWT_SECRET_KEY: { generate: base64url, rotation: 90d }
  REDIS_PASSWORD: { required: false, generate: alphanumeric }
  DATABASE_URL: { generate: false }
`);
const THEN = new Date("2025-01-01T00:00:00.000Z");
const NOW = new Date("2025-06-01T00:00:00.000Z");

function setup(capabilities: Partial<ProviderCapabilities> = {}) {
  const provider = new MemoryProvider({ capabilities });
  const logs = captureLogs();
  const manager = managerFor(provider, logs.logger);
  const initializer = new SecretInitializer({ manager, manifest: MANIFEST, now: () => NOW });
  provider.seed("SECRET_KEY", "old-secret-key", {
    metadata: { rotatedAt: THEN.toISOString(), team: "core" },
  });
  provider.seed("JWT_SECRET_KEY", "old-jwt-key", { metadata: { rotatedAt: THEN.toISOString() } });
  provider.seed("DATABASE_URL", "postgres://db");
  return { provider, manager, initializer, logs };
}

function byName(result: RotateResult) {
  return Object.fromEntries(result.secrets.map((s) => [s.name, s]));
}

describe("rotateSecrets", () => {
  it("rotates every generatable secret that exists, and skips the rest", async () => {
    const { provider, manager, initializer } = setup();
    const before = {
      SECRET_KEY: provider.data.get("SECRET_KEY")?.at(-1)?.version,
      JWT_SECRET_KEY: provider.data.get("JWT_SECRET_KEY")?.at(-1)?.version,
    };

    const result = await initializer.rotateSecrets();
    const secrets = byName(result);

    expect(result.ok).toBe(true);
    expect(result.dryRun).toBe(false);
    expect(secrets.SECRET_KEY?.action).toBe("rotated");
    expect(secrets.JWT_SECRET_KEY?.action).toBe("rotated");
    expect(secrets.REDIS_PASSWORD).toMatchObject({
      action: "skipped",
      message: expect.stringContaining("secrets init"),
    });
    expect(secrets.DATABASE_URL).toMatchObject({
      action: "skipped",
      message: expect.stringContaining("secrets set DATABASE_URL"),
    });

    expect(provider.current("SECRET_KEY")).toMatch(/^[0-9a-f]{64}$/);
    expect(provider.current("JWT_SECRET_KEY")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(provider.current("REDIS_PASSWORD")).toBeUndefined();
    expect(provider.current("DATABASE_URL")).toBe("postgres://db");

    // Versions reported, previous values still retrievable, rotation time recorded, other metadata kept.
    expect(secrets.SECRET_KEY?.previousVersion).toBe(before.SECRET_KEY);
    expect(secrets.SECRET_KEY?.version).toBe(provider.data.get("SECRET_KEY")?.at(-1)?.version);
    expect(secrets.SECRET_KEY?.version).not.toBe(before.SECRET_KEY);
    expect(await manager.getSecret("SECRET_KEY", { version: "previous" })).toBe("old-secret-key");
    expect(provider.currentMetadata("SECRET_KEY")).toEqual({ rotatedAt: NOW.toISOString(), team: "core" });

    // Each write was a check-and-set against the version read.
    expect(provider.writes.map((w) => [w.name, w.ifVersion])).toEqual(
      expect.arrayContaining([
        ["SECRET_KEY", before.SECRET_KEY],
        ["JWT_SECRET_KEY", before.JWT_SECRET_KEY],
      ]),
    );
    expect(provider.writes).toHaveLength(2);
  });

  it("rotates only the named secrets", async () => {
    const { provider, initializer } = setup();
    const result = await initializer.rotateSecrets(["JWT_SECRET_KEY"]);
    expect(result.secrets.map((s) => [s.name, s.action])).toEqual([["JWT_SECRET_KEY", "rotated"]]);
    expect(provider.current("SECRET_KEY")).toBe("old-secret-key");
    expect(provider.current("JWT_SECRET_KEY")).not.toBe("old-jwt-key");
    expect(provider.writes.map((w) => w.name)).toEqual(["JWT_SECRET_KEY"]);
  });

  it("treats an empty list like no list: everything", async () => {
    const { initializer } = setup();
    const result = await initializer.rotateSecrets([]);
    expect(result.secrets).toHaveLength(4);
  });

  it("refuses an unknown name before reading or writing anything", async () => {
    const { provider, initializer } = setup();
    const error = await initializer.rotateSecrets(["SECRET_KEY", "NOT_DECLARED"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as Error).message).toBe(
      "Unknown secret 'NOT_DECLARED': it is not declared in the manifest (secrets.yaml)",
    );
    expect(provider.calls).toMatchObject({ get: 0, getMany: 0, set: 0 });
  });

  it("refuses a secret that cannot be generated before writing anything", async () => {
    const { provider, initializer } = setup();
    const error = await initializer.rotateSecrets(["SECRET_KEY", "DATABASE_URL"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as Error).message).toMatch(
      /^Secret 'DATABASE_URL' cannot be rotated: it is not generatable .*secrets set DATABASE_URL$/,
    );
    expect(provider.calls.set).toBe(0);
    expect(provider.current("SECRET_KEY")).toBe("old-secret-key");
  });

  it("reports a named secret that does not exist as missing", async () => {
    const { provider, initializer } = setup();
    const result = await initializer.rotateSecrets(["REDIS_PASSWORD", "SECRET_KEY"]);
    expect(byName(result).REDIS_PASSWORD).toMatchObject({
      action: "missing",
      message: expect.stringContaining("secrets init"),
    });
    expect(byName(result).SECRET_KEY?.action).toBe("rotated");
    expect(result.ok).toBe(false);
    expect(provider.current("REDIS_PASSWORD")).toBeUndefined();
  });

  it("fails clearly instead of clobbering a value changed since it was read", async () => {
    const { provider, initializer, logs } = setup();
    provider.afterRead = () => {
      provider.afterRead = undefined;
      provider.seed("SECRET_KEY", "written-by-a-colleague");
    };
    const result = await initializer.rotateSecrets();
    const secretKey = byName(result).SECRET_KEY;
    expect(secretKey?.action).toBe("failed");
    expect(secretKey?.message).toMatch(/changed by someone else since it was read and was not overwritten/);
    expect(secretKey?.previousVersion).toBeDefined();
    expect(provider.current("SECRET_KEY")).toBe("written-by-a-colleague");
    expect(byName(result).JWT_SECRET_KEY?.action).toBe("rotated");
    expect(result.ok).toBe(false);
    expect(logs.lines.some((l) => l.includes('"level":"warn"') && l.includes("SECRET_KEY"))).toBe(true);
  });

  it("writes nothing in a dry run", async () => {
    const { provider, initializer } = setup();
    const result = await initializer.rotateSecrets(undefined, { dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(byName(result).SECRET_KEY?.action).toBe("rotated");
    expect(provider.calls.set).toBe(0);
    expect(provider.current("SECRET_KEY")).toBe("old-secret-key");
  });

  it("works with a provider without check-and-set or versions", async () => {
    const { provider, initializer } = setup({ checkAndSet: false, versions: false, metadata: false });
    const result = await initializer.rotateSecrets(["SECRET_KEY"]);
    expect(byName(result).SECRET_KEY).toEqual({ name: "SECRET_KEY", action: "rotated" });
    expect(provider.writes[0]?.ifVersion).toBeUndefined();
    expect(provider.current("SECRET_KEY")).not.toBe("old-secret-key");
  });

  it("never puts a value into a result or a log line", async () => {
    const { provider, initializer, logs } = setup();
    const result = await initializer.rotateSecrets();
    const text = JSON.stringify(result) + logs.lines.join("\n");
    const values = [...provider.data.values()].flatMap((versions) => versions.map((v) => v.value));
    for (const value of values) expect(text).not.toContain(value);
    expect(logs.lines.some((l) => l.includes("secret.rotate completed"))).toBe(true);
  });
});
