import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  AuthenticationError,
  getSecretManager,
  resetSecretManager,
  SecretNotFoundError,
  setSecretManager,
} from "@org/secrets-core";
import { afterEach, describe, expect, it } from "vitest";
import {
  getSecretInitializer,
  parseManifest,
  SecretInitializer,
  shouldInitializeOnStartup,
  startupApplication,
} from "../src/index.js";
import { authFailure, captureLogs, MemoryProvider, managerFor } from "./helpers.js";

const GENERATABLE_ONLY = parseManifest(`version: 1
secrets:
  SECRET_KEY: { generate: hex }
  JWT_SECRET_KEY: { generate: base64url }
  REDIS_PASSWORD: { required: false, generate: alphanumeric }
  SMTP_PASSWORD: { required: false, generate: false }
`);
const WITH_DATABASE = parseManifest(`version: 1
secrets:
  SECRET_KEY: { generate: hex }
  DATABASE_URL: { generate: false }
`);

function setup(manifest = GENERATABLE_ONLY, env: Record<string, string> = {}) {
  const provider = new MemoryProvider();
  const logs = captureLogs();
  const manager = managerFor(provider, logs.logger);
  const initializer = new SecretInitializer({ manager, manifest, env });
  return { provider, manager, initializer, logs, env };
}

describe("shouldInitializeOnStartup", () => {
  it("is true in production or with a truthy FORCE_SECRET_INIT", () => {
    expect(shouldInitializeOnStartup({ NODE_ENV: "production" })).toBe(true);
    expect(shouldInitializeOnStartup({ ENVIRONMENT: "production" })).toBe(true);
    for (const value of ["1", "true", "yes", "TRUE", " Yes "])
      expect(shouldInitializeOnStartup({ FORCE_SECRET_INIT: value })).toBe(true);
    for (const value of ["0", "false", "no", "", "on"])
      expect(shouldInitializeOnStartup({ FORCE_SECRET_INIT: value })).toBe(false);
    expect(shouldInitializeOnStartup({ NODE_ENV: "development" })).toBe(false);
    expect(shouldInitializeOnStartup({})).toBe(false);
  });
});

describe("startupApplication", () => {
  afterEach(async () => {
    await resetSecretManager();
  });

  it("in production, creates missing secrets and checks again", async () => {
    const { provider, initializer, env } = setup(GENERATABLE_ONLY, { NODE_ENV: "production" });
    const result = await startupApplication({ initializer, env });
    expect(result.initialized).toBe(true);
    expect(result.init?.ok).toBe(true);
    expect(result.init?.secrets.filter((s) => s.action === "created").map((s) => s.name)).toEqual([
      "SECRET_KEY",
      "JWT_SECRET_KEY",
      "REDIS_PASSWORD",
    ]);
    // Only the optional secret nobody can generate is still missing: degraded, but running.
    expect(result.health.status).toBe("degraded");
    expect(result.health.summary.missingRequired).toBe(0);
    expect(provider.current("SECRET_KEY")).toMatch(/^[0-9a-f]{64}$/);
    // Health before and after init: one bulk read each, then the check; init reads only the
    // one secret it cannot generate, and creates the others without reading them.
    expect(provider.calls).toMatchObject({ check: 2, getMany: 2, get: 1 });
  });

  it("in production, does not initialize when nothing is missing", async () => {
    const { provider, initializer, env } = setup(WITH_DATABASE, { ENVIRONMENT: "production" });
    provider.seed("SECRET_KEY", "k".repeat(64));
    provider.seed("DATABASE_URL", "postgres://db");
    const result = await startupApplication({ initializer, env });
    expect(result).toMatchObject({ initialized: false, health: { status: "healthy" } });
    expect(result.init).toBeUndefined();
    expect(provider.calls.set).toBe(0);
  });

  it("in production, creates what it can and then refuses to start without a required secret it cannot invent", async () => {
    const { provider, initializer, env, logs } = setup(WITH_DATABASE, { NODE_ENV: "production" });
    const error = await startupApplication({ initializer, env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toBe("Required secret 'DATABASE_URL' not found");
    expect(provider.current("SECRET_KEY")).toBeDefined();
    expect(provider.current("DATABASE_URL")).toBeUndefined();
    expect(logs.lines.some((l) => l.includes("secrets set DATABASE_URL"))).toBe(true);
  });

  it("outside production, only checks: writes nothing and names the first missing required secret", async () => {
    const { provider, initializer, env } = setup(GENERATABLE_ONLY, { NODE_ENV: "development" });
    const error = await startupApplication({ initializer, env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).secret).toBe("SECRET_KEY");
    expect((error as Error).message).toBe("Required secret 'SECRET_KEY' not found");
    expect(provider.calls.set).toBe(0);
  });

  it("outside production, starts when the required secrets are there", async () => {
    const { provider, initializer, env } = setup(GENERATABLE_ONLY, {});
    provider.seed("SECRET_KEY", "k".repeat(64));
    provider.seed("JWT_SECRET_KEY", "j".repeat(43));
    const result = await startupApplication({ initializer, env });
    expect(result.initialized).toBe(false);
    expect(result.health.status).toBe("degraded");
    expect(provider.calls.set).toBe(0);
  });

  it("initializes outside production when FORCE_SECRET_INIT is set", async () => {
    const { provider, initializer, env } = setup(GENERATABLE_ONLY, { FORCE_SECRET_INIT: "yes" });
    const result = await startupApplication({ initializer, env });
    expect(result.initialized).toBe(true);
    expect(provider.current("JWT_SECRET_KEY")).toBeDefined();
  });

  it("throws the provider's own error when it cannot be used", async () => {
    const { provider, initializer, env } = setup(GENERATABLE_ONLY, { NODE_ENV: "production" });
    provider.checkError = authFailure();
    const error = await startupApplication({ initializer, env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe("Memory authentication failed: token expired");
    expect(provider.calls.set).toBe(0);
  });

  it("keeps the error out of the health report, which stays plain data", async () => {
    const { provider, initializer } = setup();
    provider.checkError = authFailure();
    const report = await initializer.healthCheck();
    expect(report.provider).toMatchObject({ ok: false, error: { code: "AUTHENTICATION_FAILED" } });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(Object.getOwnPropertySymbols(report)).toEqual([]);
  });

  it("an initializer whose healthCheck was replaced is asked through it", async () => {
    const { provider, initializer, env } = setup(GENERATABLE_ONLY, { NODE_ENV: "production" });
    provider.checkError = authFailure();
    const real = initializer.healthCheck.bind(initializer);
    let calls = 0;
    initializer.healthCheck = () => {
      calls++;
      return real();
    };
    const error = await startupApplication({ initializer, env }).catch((e: unknown) => e);
    expect(calls).toBe(1);
    // Its report alone says what failed: the error is rebuilt from it.
    expect(error).toMatchObject({
      code: "PROVIDER_UNAVAILABLE",
      message: "Memory authentication failed: token expired",
    });
  });

  it("builds its initializer from a manager and the manifest the environment names", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "initializer-startup-"));
    try {
      const file = path.join(dir, "app-secrets.yaml");
      await writeFile(file, "version: 1\nsecrets:\n  APP_TOKEN: { generate: hex }\n");
      const provider = new MemoryProvider();
      const manager = managerFor(provider);
      const env = { NODE_ENV: "production", SECRETS_MANIFEST: file };
      const result = await startupApplication({ manager, env });
      expect(result.health.secrets.map((s) => s.name)).toEqual(["APP_TOKEN"]);
      expect(result.health.manifest).toBe(file);
      expect(provider.current("APP_TOKEN")).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("getSecretInitializer follows the process-wide manager", async () => {
    const first = managerFor(new MemoryProvider());
    setSecretManager(first);
    const a = getSecretInitializer();
    expect(a.manager).toBe(first);
    expect(getSecretInitializer()).toBe(a);
    const second = managerFor(new MemoryProvider());
    setSecretManager(second);
    expect(getSecretManager()).toBe(second);
    expect(getSecretInitializer().manager).toBe(second);
    const custom = getSecretInitializer({ manifest: GENERATABLE_ONLY });
    expect(custom).not.toBe(getSecretInitializer());
    expect(await custom.getManifest()).toBe(GENERATABLE_ONLY);
  });
});
