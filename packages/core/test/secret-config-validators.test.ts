import { inspect } from "node:util";
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

describe("typed config whose parsing throws or quotes the input", () => {
  // Under 4 characters, a short token (quoted whole by JSON.parse), and a long one (quoted in part).
  const inputs = { SHORT: "q@z", TOKEN: "hq7Vx2kR", LONG: `{"k":"qv8${"Wz".repeat(20)}"` };
  const everything = (error: unknown) =>
    [
      String((error as Error).message),
      String((error as Error).stack),
      JSON.stringify(error),
      inspect(error, { depth: 9, showHidden: true }),
    ].join("\n");

  const throwing: Record<string, StandardSchema> = {
    "zod JSON.parse": z.object({ a: z.string().transform((s) => JSON.parse(s) as unknown) }),
    "zod new URL": z.object({ a: z.string().transform((s) => new URL(s)) }),
    "valibot JSON.parse": v.object({
      a: v.pipe(
        v.string(),
        v.transform((s) => JSON.parse(s) as unknown),
      ),
    }),
    "a validator throwing a string": {
      "~standard": {
        version: 1,
        vendor: "hand",
        validate: (input) => {
          throw `cannot read ${(input as { a: string }).a}`;
        },
      },
    },
  };
  for (const [label, schema] of Object.entries(throwing))
    for (const [kind, value] of Object.entries(inputs))
      it(`${label} on a ${kind.toLowerCase()} value gives a SecretConfigError without it`, async () => {
        const error = await defineSecretConfig(schema, { a: "APP_SETTING" })
          .fromSecrets({ env: {}, manager: providerWith({ APP_SETTING: value }) })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SecretConfigError);
        expect((error as Error).message).toMatch(/^Invalid configuration from secrets: the schema threw /);
        const text = everything(error);
        expect(text).not.toContain(value);
        expect(text).not.toContain(value.slice(0, 10));
        expect(text).not.toContain("qv8");
      });

  it("an issue that quotes JSON.parse's snippet of the input keeps its words, not the snippet", async () => {
    const schema = z.object({
      a: z.string().transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch (e) {
          ctx.addIssue({ code: "custom", message: (e as Error).message });
          return z.NEVER;
        }
      }),
    });
    for (const value of ["hq7Vx2kR", `qv8${"Wz".repeat(20)}`]) {
      const error = await defineSecretConfig(schema, { a: "APP_SETTING" })
        .fromSecrets({ env: {}, manager: providerWith({ APP_SETTING: value }) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretConfigError);
      expect((error as Error).message).toContain("a (APP_SETTING): Unexpected token, [REDACTED]");
      expect(everything(error)).not.toContain(value.slice(0, 8));
    }
  });

  it("an enum's own options stay in the message", async () => {
    const error = await defineSecretConfig(z.object({ a: z.enum(["prod", "dev"]) }), { a: "APP_SETTING" })
      .fromSecrets({ env: {}, manager: providerWith({ APP_SETTING: "hq7Vx2kR" }) })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('"prod"|"dev"');
  });
});
