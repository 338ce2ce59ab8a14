import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import {
  clearRedactions,
  ProviderError,
  ProviderNotConfiguredError,
  ProviderNotInstalledError,
  registerSecretValue,
  SecretConfigError,
  SecretConflictError,
  SecretError,
  SecretManager,
  SecretNotFoundError,
} from "../src/index.js";
import { wrapError } from "../src/provider.js";

afterEach(() => clearRedactions());

const canary = () => `canary-${randomBytes(12).toString("hex")}`;

/** Every way the error can reach a person or a log: message, stack, JSON, inspect, the cause chain. */
function everything(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) parts.push(current.message, String(current.stack));
    parts.push(JSON.stringify(current) ?? "", inspect(current, { depth: 10, showHidden: true }));
    if (typeof current === "object") parts.push(...Object.keys(current).map((k) => String(k)));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join("\n");
}

describe("wrapError with hostile third-party errors", () => {
  it("scrubs a remembered value from the message and stack, and keeps a readable description", () => {
    const secret = canary();
    registerSecretValue(secret);
    const wrapped = wrapError(new Error(`bad value ${secret} rejected`), "acme", "set", "API_KEY");
    expect(wrapped).toBeInstanceOf(ProviderError);
    expect(wrapped.message).toBe(
      "Secret provider 'acme' failed to set 'API_KEY': bad value [REDACTED] rejected",
    );
    expect(wrapped.secret).toBe("API_KEY");
    expect(everything(wrapped)).not.toContain(secret);
  });

  it("scrubs values the request carried even if nobody remembered them", () => {
    const secret = canary();
    const wrapped = wrapError(new Error(`cannot store ${secret}`), "acme", "set", "A", { values: [secret] });
    expect(everything(wrapped)).not.toContain(secret);
  });

  it("keeps nothing of cause.message, cause.cause, body, response, $response, config or headers", () => {
    const secret = canary();
    registerSecretValue(secret);
    const deepest = Object.assign(new Error(`deep ${secret}`), { secretBody: secret });
    const middle = new Error(`middle ${secret}`, { cause: deepest });
    const error = Object.assign(new Error("request failed", { cause: middle }), {
      code: "ERR_BAD_RESPONSE",
      status: 400,
      body: { value: secret },
      response: { data: secret, headers: { authorization: secret } },
      $response: { body: secret },
      config: { data: JSON.stringify({ value: secret }), headers: { "X-Vault-Token": secret } },
      headers: { cookie: secret },
    });
    const wrapped = wrapError(error, "acme", "get", "A");
    const text = everything(wrapped);
    expect(text).not.toContain(secret);
    for (const field of ["body", "response", "$response", "config", "headers", "secretBody"])
      expect(text).not.toMatch(new RegExp(`\\b${field.replace("$", "\\$")}\\b`));
    const cause = wrapped.cause as Error & { code?: string; status?: number };
    expect(cause).not.toBe(error);
    expect(cause.message).toBe("request failed");
    expect(cause.code).toBe("ERR_BAD_RESPONSE");
    expect(cause.status).toBe(400);
    expect((cause.cause as Error).message).toBe("middle [REDACTED]");
    expect(((cause.cause as Error).cause as Error).message).toBe("deep [REDACTED]");
    expect(Object.keys(cause).sort()).toEqual(["code", "status"]);
  });

  it("drops codes and statuses that are not short primitives", () => {
    const secret = canary();
    registerSecretValue(secret);
    const error = Object.assign(new Error("x"), { code: `E_${secret}`, status: { deep: secret } });
    const cause = wrapError(error, "acme", "get").cause as Record<string, unknown>;
    expect(cause.code).toBeUndefined();
    expect(cause.status).toBeUndefined();
  });

  it("rebuilds a SecretError a provider threw: same class and code, scrubbed message, sanitized cause", () => {
    const secret = canary();
    registerSecretValue(secret);
    const inner = Object.assign(new Error(`409 ${secret}`), { response: { body: secret } });
    const thrown = new SecretConflictError(`conflict writing ${secret}`, {
      provider: "acme",
      secret: "DB_PASSWORD",
      cause: inner,
    });
    Object.assign(thrown, { body: secret });
    const wrapped = wrapError(thrown, "acme", "set", "DB_PASSWORD");
    expect(wrapped).not.toBe(thrown);
    expect(wrapped).toBeInstanceOf(SecretConflictError);
    expect(wrapped).toBeInstanceOf(SecretError);
    expect(wrapped.code).toBe("CONFLICT");
    expect(wrapped.name).toBe("SecretConflictError");
    expect(wrapped.secret).toBe("DB_PASSWORD");
    expect(wrapped.provider).toBe("acme");
    expect(wrapped.message).toBe("conflict writing [REDACTED]");
    expect(wrapped.toJSON()).toEqual({
      name: "SecretConflictError",
      code: "CONFLICT",
      message: "conflict writing [REDACTED]",
      provider: "acme",
      secret: "DB_PASSWORD",
    });
    expect(everything(wrapped)).not.toContain(secret);
    expect((wrapped.cause as Error).message).toBe("409 [REDACTED]");
  });

  it("keeps no value in an error's name, nor in the provider, secret, field, packageName or missing a provider set", async () => {
    const secret = `Canary_${randomBytes(12).toString("hex")}`;
    const renamed = Object.assign(new Error("boom"), { name: secret });
    const conflict = new SecretConflictError("lost", { provider: secret, secret });
    const config = new SecretConfigError("bad", { provider: "acme", field: secret });
    const install = new ProviderNotInstalledError("gone", { provider: "acme", packageName: secret });
    const unset = new ProviderNotConfiguredError(undefined, {
      provider: "acme",
      missing: ["ACME_URL", secret],
    });
    const cases: unknown[] = [
      renamed,
      conflict,
      config,
      install,
      unset,
      Object.assign(new SecretError("x", { code: "PROVIDER_ERROR" }), { name: secret }),
    ];

    // Remembered (a value read before), and only carried by the request (a value being written).
    registerSecretValue(secret);
    for (const thrown of cases)
      expect(everything(wrapError(thrown, "acme", "get", "API_KEY"))).not.toContain(secret);
    clearRedactions();
    for (const thrown of cases)
      expect(everything(wrapError(thrown, "acme", "set", "API_KEY", { values: [secret] }))).not.toContain(
        secret,
      );

    // What a provider meant to show stays: the names of its variables, the call's secret and provider.
    const kept = wrapError(unset, "acme", "get", "API_KEY", { values: [secret] });
    expect(kept).toMatchObject({ provider: "acme", missing: ["ACME_URL"] });
    const named = wrapError(conflict, "acme", "set", "API_KEY", { values: [secret] });
    expect(named).toMatchObject({ provider: "acme", secret: "API_KEY", code: "CONFLICT" });
    expect(wrapError(renamed, "acme", "get", "API_KEY", { values: [secret] }).cause).toMatchObject({
      name: "Error",
    });

    // Through the manager, as an application meets it.
    const provider = new MemoryProvider();
    await provider.set("API_KEY", secret);
    const manager = new SecretManager({ provider });
    expect(await manager.getSecret("API_KEY")).toBe(secret);
    for (const thrown of cases) {
      provider.get = async () => {
        throw thrown;
      };
      const error = await manager.getSecret("OTHER", { fresh: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretError);
      expect(everything(error)).not.toContain(secret);
    }
  });

  it("survives errors whose properties throw, strings, and null", () => {
    const secret = canary();
    registerSecretValue(secret);
    const hostile = new Proxy(new Error("x"), {
      get() {
        throw new Error(secret);
      },
    });
    for (const thrown of [hostile, `plain string ${secret}`, null, undefined, 42]) {
      const wrapped = wrapError(thrown, "acme", "check");
      expect(wrapped).toBeInstanceOf(SecretError);
      expect(everything(wrapped)).not.toContain(secret);
    }
  });

  it("is what the manager throws: a provider echoing the value it was asked to write leaks nothing", async () => {
    const secret = canary();
    const provider = new MemoryProvider();
    provider.set = async (_name: string, value: string) => {
      throw Object.assign(new Error(`invalid payload: {"value":"${value}"}`), { requestBody: value });
    };
    const manager = new SecretManager({ provider });
    const error = await manager.setSecret("NEW_SECRET", secret).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    expect(everything(error)).not.toContain(secret);

    const missing = await manager.getRequiredSecret("NOT_THERE").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SecretNotFoundError);
  });
});
