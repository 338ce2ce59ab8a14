import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import { defineSecretConfig, SecretConfigError, SecretManager, type StandardSchema } from "../src/index.js";

const mapping = { port: "APP_PORT", mode: "APP_MODE", secretKey: "SECRET_KEY" };

const schemas: Record<string, StandardSchema> = {
  zod: z.object({
    port: z.coerce.number().int().max(65535),
    mode: z.enum(["prod", "dev"]),
    secretKey: z.string().min(64),
  }),
  valibot: v.object({
    port: v.pipe(v.string(), v.regex(/^\d+$/)),
    mode: v.picklist(["prod", "dev"]),
    secretKey: v.pipe(v.string(), v.minLength(64)),
  }),
  arktype: type({ port: "string.integer.parse", mode: "'prod' | 'dev'", secretKey: "string >= 64" }),
};

// Invalid values of every length class: under 4 characters, token-length, long.
const bad = { APP_PORT: "x9z", APP_MODE: "staging-canary-mode", SECRET_KEY: "tooshort-secret-canary" };

function providerWith(values: Record<string, string>) {
  const provider = new MemoryProvider();
  for (const [k, val] of Object.entries(values)) provider.seed(k, val);
  return new SecretManager({ provider });
}

for (const [vendor, schema] of Object.entries(schemas)) {
  describe(`typed config errors with ${vendor}`, () => {
    for (const source of ["environment", "provider"] as const) {
      it(`name the field and secret, never the value (values from the ${source})`, async () => {
        const config = defineSecretConfig(schema, mapping);
        const error = await config
          .fromSecrets(
            source === "environment"
              ? { env: bad, manager: providerWith({}) }
              : { env: {}, manager: providerWith(bad) },
          )
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SecretConfigError);
        const message = (error as Error).message;
        expect(message).toMatch(/^Invalid configuration from secrets: /);
        for (const [field, name] of Object.entries(mapping)) expect(message).toContain(`${field} (${name})`);
        for (const value of Object.values(bad)) expect(message).not.toContain(value);
        expect(JSON.stringify(error)).not.toContain("canary");
        expect(String((error as Error).stack)).not.toContain("canary");
        expect(message).not.toContain("x9z");
      });
    }
  });
}
