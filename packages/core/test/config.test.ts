import { afterEach, describe, expect, it, vi } from "vitest";
import {
  deleteSecret,
  getRequiredSecret,
  getSecret,
  getSecretRecord,
  isProduction,
  parseCoreConfig,
  resetSecretManager,
  SecretConfigError,
  setSecret,
} from "../src/index.js";

describe("core configuration", () => {
  it("defaults to the env provider, a 300 s cache and a 900 s stale window", () => {
    const { config, errors } = parseCoreConfig({});
    expect(errors).toEqual([]);
    expect(config).toMatchObject({
      provider: "env",
      cacheTtlMs: 300_000,
      staleIfErrorMs: 900_000,
      logLevel: "warn",
    });
  });

  it("reads every variable and normalises provider names", () => {
    const { config, warnings } = parseCoreConfig({
      SECRET_PROVIDER: "VAULT",
      SECRET_CACHE_TTL: "1.5",
      SECRET_CACHE_STALE_IF_ERROR: "0",
      SECRET_CACHE_STALE_WAIT: "0.25",
      SECRET_TIMEOUT: "2.5",
      LOG_LEVEL: "DEBUG",
      LOG_FORMAT: "json",
    });
    expect(config).toEqual({
      provider: "vault",
      cacheTtlMs: 1500,
      staleIfErrorMs: 0,
      staleWaitMs: 250,
      timeoutMs: 2500,
      logLevel: "debug",
      logFormat: "json",
    });
    expect(warnings).toHaveLength(1);
  });

  it("collects every error, each naming its variable", () => {
    const { errors } = parseCoreConfig({
      SECRET_CACHE_TTL: "-1",
      SECRET_CACHE_STALE_IF_ERROR: "1h",
      LOG_FORMAT: "xml",
    });
    expect(errors.map((e) => e.field)).toEqual([
      "SECRET_CACHE_TTL",
      "SECRET_CACHE_STALE_IF_ERROR",
      "LOG_FORMAT",
    ]);
  });

  it("defaults to a 10 s deadline and a 1 s stale wait, and validates both", () => {
    expect(parseCoreConfig({}).config).toMatchObject({ timeoutMs: 10_000, staleWaitMs: 1000 });
    expect(parseCoreConfig({ SECRET_CACHE_STALE_WAIT: "0" }).config.staleWaitMs).toBe(0);
    for (const bad of ["0", "0.0001", "-1", "10s", "1e3", " "]) {
      const { errors, config } = parseCoreConfig({ SECRET_TIMEOUT: bad });
      if (bad === " ") {
        expect(errors).toEqual([]);
        continue;
      }
      expect(errors.map((e) => e.field)).toEqual(["SECRET_TIMEOUT"]);
      expect(errors[0]?.message).toContain("SECRET_TIMEOUT");
      expect(config.timeoutMs).toBe(10_000);
    }
    expect(parseCoreConfig({ SECRET_CACHE_STALE_WAIT: "soon" }).errors.map((e) => e.field)).toEqual([
      "SECRET_CACHE_STALE_WAIT",
    ]);
    // Longer than a timer can hold: capped, never an instant timeout.
    expect(parseCoreConfig({ SECRET_TIMEOUT: "99999999" }).config.timeoutMs).toBe(2_147_483_647);
  });

  it("does not take Object.prototype members for log levels", () => {
    for (const level of ["constructor", "toString", "__proto__", "hasOwnProperty"])
      expect(parseCoreConfig({ LOG_LEVEL: level }).errors.map((e) => e.field)).toEqual(["LOG_LEVEL"]);
  });

  it("knows production from NODE_ENV or ENVIRONMENT", () => {
    expect(isProduction({ NODE_ENV: "production" })).toBe(true);
    expect(isProduction({ ENVIRONMENT: "Production" })).toBe(true);
    expect(isProduction({ NODE_ENV: "development" })).toBe(false);
    expect(isProduction({})).toBe(false);
  });
});

describe("the default manager from a bad environment", () => {
  afterEach(async () => {
    vi.unstubAllEnvs();
    await resetSecretManager();
  });

  it("rejects each call's promise with the setting's error, and throws nowhere", async () => {
    await resetSecretManager();
    vi.stubEnv("SECRET_CACHE_TTL", "-1");
    const calls: Array<() => Promise<unknown>> = [
      () => getSecret("A"),
      () => getRequiredSecret("A"),
      () => getSecretRecord("A"),
      () => setSecret("A", "value-never-written"),
      () => deleteSecret("A"),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = call();
      }).not.toThrow();
      const error = await promise?.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretConfigError);
      expect((error as SecretConfigError).field).toBe("SECRET_CACHE_TTL");
    }
  });
});
