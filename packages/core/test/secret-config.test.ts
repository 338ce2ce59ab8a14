import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import { defineSecretConfig, SecretConfigError, SecretManager } from "../src/index.js";

function managerWith(values: Record<string, string>) {
  const provider = new MemoryProvider();
  for (const [k, val] of Object.entries(values)) provider.seed(k, val);
  return { provider, manager: new SecretManager({ provider }) };
}

describe("typed configuration from secrets", () => {
  const mapping = { secretKey: "SECRET_KEY", databaseUrl: "DATABASE_URL", redisPassword: "REDIS_PASSWORD" };

  it("builds a validated object with zod, environment first", async () => {
    const AppConfig = defineSecretConfig(
      z.object({ secretKey: z.string().min(8), databaseUrl: z.url(), redisPassword: z.string().optional() }),
      mapping,
    );
    const { manager, provider } = managerWith({
      SECRET_KEY: "from-provider-key",
      DATABASE_URL: "postgres://db/app",
    });
    const config = await AppConfig.fromSecrets({ manager, env: { SECRET_KEY: "from-environment" } });
    expect(config).toEqual({ secretKey: "from-environment", databaseUrl: "postgres://db/app" });
    expect(provider.calls.getMany).toBe(1);
    expect(provider.calls.get).toBe(0);
  });

  it("works with valibot too", async () => {
    const AppConfig = defineSecretConfig(
      v.object({
        secretKey: v.pipe(v.string(), v.minLength(8)),
        databaseUrl: v.string(),
        redisPassword: v.optional(v.string()),
      }),
      mapping,
    );
    const { manager } = managerWith({
      SECRET_KEY: "0123456789",
      DATABASE_URL: "sqlite:///x.db",
      REDIS_PASSWORD: "r",
    });
    const config = await AppConfig.fromSecrets({ manager, env: {} });
    expect(config.redisPassword).toBe("r");
  });

  it("names the field and secret that failed, never the value", async () => {
    const AppConfig = defineSecretConfig(
      z.object({ secretKey: z.string().min(32), databaseUrl: z.string() }),
      mapping,
    );
    const { manager } = managerWith({ SECRET_KEY: "short-secret-value" });
    const error = await AppConfig.fromSecrets({ manager, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConfigError);
    const message = (error as Error).message;
    expect(message).toContain("secretKey (SECRET_KEY)");
    expect(message).toContain("databaseUrl (DATABASE_URL)");
    expect(message).not.toContain("short-secret-value");
  });

  it("rejects invalid secret names when the config is defined", () => {
    expect(() => defineSecretConfig(z.object({}), { x: "not valid" })).toThrow(/Invalid secret name/);
  });

  it("reads secrets named like Object.prototype members from the provider, not from the environment's prototype", async () => {
    const AppConfig = defineSecretConfig(z.object({ a: z.string(), b: z.string(), c: z.string() }), {
      a: "constructor",
      b: "toString",
      c: "valueOf",
    });
    const { manager } = managerWith({ constructor: "c-value", toString: "t-value", valueOf: "v-value" });
    expect(await AppConfig.fromSecrets({ manager, env: {} })).toEqual({
      a: "c-value",
      b: "t-value",
      c: "v-value",
    });
  });
});
