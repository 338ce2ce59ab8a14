import { describe, expect, it } from "vitest";
import { isProduction, parseCoreConfig } from "../src/index.js";

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
      LOG_LEVEL: "DEBUG",
      LOG_FORMAT: "json",
    });
    expect(config).toEqual({
      provider: "vault",
      cacheTtlMs: 1500,
      staleIfErrorMs: 0,
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

  it("knows production from NODE_ENV or ENVIRONMENT", () => {
    expect(isProduction({ NODE_ENV: "production" })).toBe(true);
    expect(isProduction({ ENVIRONMENT: "Production" })).toBe(true);
    expect(isProduction({ NODE_ENV: "development" })).toBe(false);
    expect(isProduction({})).toBe(false);
  });
});
