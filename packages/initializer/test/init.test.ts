import {
  AuthenticationError,
  type ProviderCapabilities,
  ProviderUnavailableError,
  SecretManager,
  type SecretProvider,
} from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { defaultManifest, type InitResult, parseManifest, SecretInitializer } from "../src/index.js";
import { authFailure, captureLogs, MemoryProvider, managerFor } from "./helpers.js";

const NOW = new Date("2025-03-01T12:00:00.000Z");
const GENERATABLE = [
  "SECRET_KEY",
  "JWT_SECRET_KEY",
  "BASIC_AUTH_PASSWORD",
  "TYPESENSE_API_KEY",
  "SPARK_AUTH_SECRET",
  "REDIS_PASSWORD",
  "GRAFANA_ADMIN_PASSWORD",
];

function setup(
  options: {
    name?: string;
    production?: boolean;
    capabilities?: Partial<ProviderCapabilities>;
    traits?: SecretProvider["traits"];
  } = {},
) {
  const provider = new MemoryProvider({
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(options.traits ? { traits: options.traits } : {}),
  });
  const logs = captureLogs();
  const manager = managerFor(provider, logs.logger);
  const initializer = new SecretInitializer({
    manager,
    manifest: defaultManifest(),
    production: options.production ?? true,
    now: () => NOW,
  });
  return { provider, manager, initializer, logs };
}

function actions(result: InitResult): Record<string, string> {
  return Object.fromEntries(result.secrets.map((s) => [s.name, s.action]));
}

describe("initializeSecrets", () => {
  it("creates only what is missing and keeps existing values byte for byte", async () => {
    const { provider, initializer } = setup();
    const existing = "  existing value with spaces, ünïcode and a trailing newline\n";
    provider.seed("SECRET_KEY", existing, { metadata: { owner: "ops" } });
    provider.seed("DATABASE_URL", "postgres://app@db/app");
    provider.seed("SMTP_PASSWORD", "smtp-from-the-mail-team");

    const result = await initializer.initializeSecrets();

    expect(actions(result)).toEqual({
      SECRET_KEY: "exists",
      JWT_SECRET_KEY: "created",
      DATABASE_URL: "exists",
      BASIC_AUTH_PASSWORD: "created",
      TYPESENSE_API_KEY: "created",
      SPARK_AUTH_SECRET: "created",
      REDIS_PASSWORD: "created",
      GRAFANA_ADMIN_PASSWORD: "created",
      SMTP_PASSWORD: "exists",
      AWS_ACCESS_KEY_ID: "skipped",
      AWS_SECRET_ACCESS_KEY: "skipped",
    });
    expect(result.ok).toBe(true);
    expect(result.dryRun).toBe(false);
    expect(result.secrets.find((s) => s.name === "AWS_ACCESS_KEY_ID")?.message).toContain(
      "secrets set AWS_ACCESS_KEY_ID",
    );

    // Existing values untouched: same bytes, one version, no write.
    expect(provider.current("SECRET_KEY")).toBe(existing);
    expect(provider.data.get("SECRET_KEY")).toHaveLength(1);
    expect(provider.currentMetadata("SECRET_KEY")).toEqual({ owner: "ops" });
    expect(provider.current("DATABASE_URL")).toBe("postgres://app@db/app");
    // One create-only write per generatable secret, without reading it first; SECRET_KEY's found it there.
    expect(provider.writes.map((w) => w.name).sort()).toEqual([...GENERATABLE].sort());

    // Creation is an atomic create; on a provider that keeps versions (this one), the first
    // version's own date is the rotation date, so no rotatedAt metadata is written with it.
    for (const write of provider.writes) {
      expect(write.ifAbsent).toBe(true);
      expect(write.metadata).toBeUndefined();
    }
    expect(provider.current("JWT_SECRET_KEY")).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(provider.current("BASIC_AUTH_PASSWORD")).toHaveLength(43);
    expect(provider.current("SPARK_AUTH_SECRET")).toMatch(/^[0-9a-f]{64}$/);
    expect(provider.current("REDIS_PASSWORD")).toMatch(/^[A-Za-z0-9]{43}$/);
  });

  it("reads only the secrets it cannot create, in one batch", async () => {
    const { provider, initializer } = setup();
    const read: string[] = [];
    provider.afterRead = (names) => read.push(...names);
    await initializer.initializeSecrets();
    expect(provider.calls.getMany).toBe(1);
    expect(provider.calls.get).toBe(0);
    expect(read.sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "DATABASE_URL",
      "SMTP_PASSWORD",
    ]);
  });

  it("changes nothing on a second run", async () => {
    const { provider, initializer } = setup();
    provider.seed("DATABASE_URL", "postgres://db");
    await initializer.initializeSecrets();
    const before = provider.writes.length;
    const snapshot = new Map([...provider.data].map(([name, versions]) => [name, versions.at(-1)?.value]));

    const again = await initializer.initializeSecrets();

    // One create-only write each, every one of which found its secret there: no new version.
    expect(provider.writes.slice(before).every((w) => w.ifAbsent)).toBe(true);
    for (const name of GENERATABLE) expect(provider.data.get(name)).toHaveLength(1);
    expect(again.ok).toBe(true);
    for (const name of GENERATABLE) expect(actions(again)[name]).toBe("exists");
    for (const [name, value] of snapshot) expect(provider.current(name)).toBe(value);
  });

  it("regenerates every generatable secret with --force, against the version it read", async () => {
    const { provider, initializer } = setup();
    provider.seed("DATABASE_URL", "postgres://db");
    provider.seed("SMTP_PASSWORD", "smtp");
    await initializer.initializeSecrets();
    const old = new Map(GENERATABLE.map((name) => [name, provider.current(name)]));
    const oldVersions = new Map(GENERATABLE.map((name) => [name, provider.data.get(name)?.at(-1)?.version]));
    provider.writes.length = 0;

    const result = await initializer.initializeSecrets({ force: true });

    expect(result.ok).toBe(true);
    for (const name of GENERATABLE) {
      expect(actions(result)[name]).toBe("regenerated");
      expect(provider.current(name)).not.toBe(old.get(name));
      expect(provider.data.get(name)).toHaveLength(2);
    }
    expect(actions(result).DATABASE_URL).toBe("exists");
    expect(actions(result).SMTP_PASSWORD).toBe("exists");
    expect(provider.current("DATABASE_URL")).toBe("postgres://db");
    expect(provider.writes).toHaveLength(GENERATABLE.length);
    for (const write of provider.writes) {
      expect(write.ifVersion).toBe(oldVersions.get(write.name));
      expect(write.ifAbsent).toBe(false);
    }
  });

  it("fails a --force regeneration that loses to a concurrent change instead of clobbering it", async () => {
    const { provider, initializer } = setup();
    provider.seed("SECRET_KEY", "original");
    provider.afterRead = () => {
      provider.afterRead = undefined;
      provider.seed("SECRET_KEY", "changed-by-someone-else");
    };
    const result = await initializer.initializeSecrets({ force: true });
    const secretKey = result.secrets.find((s) => s.name === "SECRET_KEY");
    expect(secretKey?.action).toBe("failed");
    expect(secretKey?.message).toMatch(/changed by someone else .* was not overwritten/);
    expect(provider.current("SECRET_KEY")).toBe("changed-by-someone-else");
    expect(result.ok).toBe(false);
  });

  it("writes nothing in a dry run, and reports what it would do", async () => {
    const { provider, initializer } = setup();
    provider.seed("SECRET_KEY", "kept");

    const dry = await initializer.initializeSecrets({ dryRun: true });
    expect(provider.calls.set).toBe(0);
    expect(dry.dryRun).toBe(true);
    expect(actions(dry).SECRET_KEY).toBe("exists");
    expect(actions(dry).JWT_SECRET_KEY).toBe("created");
    expect(actions(dry).DATABASE_URL).toBe("missing");
    expect(dry.ok).toBe(false);

    const dryForce = await initializer.initializeSecrets({ dryRun: true, force: true });
    expect(provider.calls.set).toBe(0);
    expect(actions(dryForce).SECRET_KEY).toBe("regenerated");
    expect(provider.current("SECRET_KEY")).toBe("kept");
    expect(provider.data.size).toBe(1);
  });

  describe("a required secret that cannot be generated", () => {
    it("is reported missing in production, with the command that sets it, and never invented", async () => {
      const { provider, initializer } = setup({
        name: "local",
        traits: { localDevelopment: true },
        production: true,
      });
      const result = await initializer.initializeSecrets();
      const databaseUrl = result.secrets.find((s) => s.name === "DATABASE_URL");
      expect(databaseUrl).toEqual({
        name: "DATABASE_URL",
        required: true,
        action: "missing",
        message: expect.stringContaining("secrets set DATABASE_URL"),
      });
      expect(result.ok).toBe(false);
      expect(provider.current("DATABASE_URL")).toBeUndefined();
      // Everything that can be generated still was.
      for (const name of GENERATABLE) expect(provider.current(name)).toBeDefined();
    });

    it("takes the development default outside production on a provider for local development, whatever its name", async () => {
      const { provider, initializer } = setup({
        name: "local",
        traits: { localDevelopment: true },
        production: false,
      });
      const result = await initializer.initializeSecrets();
      expect(actions(result).DATABASE_URL).toBe("development-default");
      expect(provider.current("DATABASE_URL")).toBe("sqlite:///./dev.db");
      expect(result.ok).toBe(true);
    });

    it("is missing outside production on any provider that does not declare local development", async () => {
      // The name alone does not make a provider one for development: the trait does.
      for (const options of [
        { name: "vault" },
        { name: "env" },
        { name: "local", traits: { localDevelopment: false } },
      ]) {
        const { provider, initializer } = setup({ ...options, production: false });
        const result = await initializer.initializeSecrets();
        expect(actions(result).DATABASE_URL, options.name).toBe("missing");
        expect(provider.current("DATABASE_URL")).toBeUndefined();
      }
    });

    it("reads production from NODE_ENV or ENVIRONMENT when not told", async () => {
      for (const [env, expected] of [
        [{ NODE_ENV: "production" }, "missing"],
        [{ ENVIRONMENT: "Production" }, "missing"],
        [{ NODE_ENV: "development" }, "development-default"],
      ] as const) {
        const provider = new MemoryProvider({ name: "local", traits: { localDevelopment: true } });
        const initializer = new SecretInitializer({
          manager: managerFor(provider),
          manifest: defaultManifest(),
          env,
        });
        expect(actions(await initializer.initializeSecrets()).DATABASE_URL).toBe(expected);
      }
    });
  });

  describe("when another process creates a secret just before our create-only write", () => {
    for (const checkAndSet of [true, false]) {
      it(`keeps its value instead of overwriting it (checkAndSet: ${checkAndSet})`, async () => {
        const { provider, initializer } = setup({ capabilities: { checkAndSet } });
        provider.afterRead = () => {
          provider.afterRead = undefined; // act once, right after the read of what cannot be generated
          provider.seed("SECRET_KEY", "the-other-process-won");
          provider.seed("JWT_SECRET_KEY", "also-the-other-process");
        };
        const result = await initializer.initializeSecrets();
        expect(actions(result).SECRET_KEY).toBe("exists");
        expect(actions(result).JWT_SECRET_KEY).toBe("exists");
        expect(provider.current("SECRET_KEY")).toBe("the-other-process-won");
        expect(provider.data.get("SECRET_KEY")).toHaveLength(1);
        expect(provider.current("JWT_SECRET_KEY")).toBe("also-the-other-process");
        expect(actions(result).BASIC_AUTH_PASSWORD).toBe("created");
        // Nothing is read back: the create-only write's answer is the whole story.
        expect(provider.calls.getMany).toBe(1);
        // Without check-and-set, core looks before each create (best effort).
        expect(provider.calls.get).toBe(checkAndSet ? 0 : GENERATABLE.length);
      });
    }
  });

  describe("a re-run over many secrets that mostly exist", () => {
    const many = (count: number) => {
      let text = "version: 1\nsecrets:\n";
      for (let i = 0; i < count; i++) text += `  S_${i}: { generate: hex }\n`;
      return parseManifest(text);
    };

    it("reads the rest in one batch after a first wave of creates finds its secrets, then creates only what is missing", async () => {
      const provider = new MemoryProvider();
      for (let i = 0; i < 90; i++) provider.seed(`S_${i}`, `old-${i}`);
      const initializer = new SecretInitializer({ manager: managerFor(provider), manifest: many(100) });
      provider.afterRead = () => {
        provider.afterRead = undefined; // another process, between our read of the rest and our writes
        provider.seed("S_95", "won-by-other");
      };
      const result = await initializer.initializeSecrets();
      const counted: Record<string, number> = Object.create(null);
      for (const s of result.secrets) counted[s.action] = (counted[s.action] ?? 0) + 1;
      expect({ ...counted }).toEqual({ exists: 90, created: 9, adopted: 1 });
      expect(actions(result).S_95).toBe("adopted");
      expect(provider.current("S_95")).toBe("won-by-other");
      // 16 creates that found their secrets, one batch read of the other 84, 10 creates, one read back.
      expect(provider.writes).toHaveLength(16 + 10);
      expect(provider.calls.getMany).toBe(1);
      expect(provider.calls.get).toBe(1);
      for (let i = 0; i < 90; i++) expect(provider.data.get(`S_${i}`)).toHaveLength(1);
    });

    it("keeps creating without reads when the first wave creates its secrets", async () => {
      const provider = new MemoryProvider();
      for (let i = 20; i < 30; i++) provider.seed(`S_${i}`, `old-${i}`);
      const initializer = new SecretInitializer({ manager: managerFor(provider), manifest: many(100) });
      const result = await initializer.initializeSecrets();
      expect(result.secrets.filter((s) => s.action === "created")).toHaveLength(90);
      expect(result.secrets.filter((s) => s.action === "exists").map((s) => s.name)).toEqual(
        Array.from({ length: 10 }, (_, i) => `S_${20 + i}`),
      );
      expect(provider.writes).toHaveLength(100);
      expect(provider.calls.getMany + provider.calls.get).toBe(0);
    });

    it("throws the backend's error when every write of the first wave fails for the whole backend", async () => {
      const provider = new MemoryProvider();
      for (let i = 0; i < 100; i++) provider.writeErrors.set(`S_${i}`, authFailure());
      const initializer = new SecretInitializer({ manager: managerFor(provider), manifest: many(100) });
      const error = await initializer.initializeSecrets().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      // Stopped after the first wave: not one failed request per secret.
      expect(provider.writes).toHaveLength(16);
      expect(provider.data.size).toBe(0);
    });
  });

  it("reports a failed write per secret and carries on with the others", async () => {
    const { provider, initializer, logs } = setup();
    provider.seed("DATABASE_URL", "postgres://db");
    provider.writeErrors.set(
      "REDIS_PASSWORD",
      new ProviderUnavailableError("Secret provider 'memory' is unreachable: connection reset", {
        provider: "memory",
      }),
    );
    provider.writeErrors.set("SPARK_AUTH_SECRET", new Error("socket hang up"));
    const result = await initializer.initializeSecrets();
    const redis = result.secrets.find((s) => s.name === "REDIS_PASSWORD");
    expect(redis).toMatchObject({ action: "failed", message: expect.stringContaining("unreachable") });
    const spark = result.secrets.find((s) => s.name === "SPARK_AUTH_SECRET");
    expect(spark).toMatchObject({
      action: "failed",
      message: "Secret provider 'memory' failed to set 'SPARK_AUTH_SECRET': socket hang up",
    });
    expect(actions(result).SECRET_KEY).toBe("created");
    expect(result.ok).toBe(false);
    expect(logs.lines.some((l) => l.includes('"level":"warn"') && l.includes("REDIS_PASSWORD"))).toBe(true);
  });

  it("rejects when the provider cannot be read at all", async () => {
    const { provider, initializer } = setup();
    provider.readError = authFailure();
    const error = await initializer.initializeSecrets().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(provider.calls.set).toBe(0);
  });

  it("acts on the backend, not on values this process cached", async () => {
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider, cacheTtlMs: 60_000 });
    const manifest = parseManifest("version: 1\nsecrets:\n  TOKEN: { generate: hex }\n");
    // The process cached "missing" before another process created the secret.
    expect(await manager.getSecret("TOKEN")).toBeUndefined();
    provider.seed("TOKEN", "created-elsewhere");
    const result = await new SecretInitializer({ manager, manifest }).initializeSecrets();
    expect(actions(result).TOKEN).toBe("exists");
    expect(provider.current("TOKEN")).toBe("created-elsewhere");
    expect(provider.data.get("TOKEN")).toHaveLength(1);
    expect(provider.writes.every((w) => w.ifAbsent)).toBe(true);
  });

  it("never puts a value into a result or a log line", async () => {
    const { provider, initializer, logs } = setup({
      name: "local",
      traits: { localDevelopment: true },
      production: false,
    });
    provider.seed("SECRET_KEY", "pre-existing-secret-value");
    const results = [
      await initializer.initializeSecrets(),
      await initializer.initializeSecrets({ force: true }),
      await initializer.initializeSecrets({ dryRun: true }),
    ];
    const values = [...provider.data.values()].flatMap((versions) => versions.map((v) => v.value));
    expect(values.length).toBeGreaterThan(10);
    const text = JSON.stringify(results) + logs.lines.join("\n");
    for (const value of values) expect(text).not.toContain(value);
    expect(logs.lines.some((l) => l.includes("secret.init completed"))).toBe(true);
  });
});
