import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import * as core from "../src/index.js";
import { describeName } from "../src/provider.js";

// The built CommonJS copy: a second copy of core, as an application can end up
// with (a CLI from npx over a project with its own core, or ESM beside CJS).
const other = createRequire(import.meta.url)("../dist/index.cjs") as typeof core;

describe("errors", () => {
  it("carry a stable code, the provider and the secret, and keep the cause", () => {
    const cause = new Error("socket hang up");
    const error = new core.ProviderUnavailableError("Cannot reach Vault", {
      provider: "vault",
      secret: "A",
      cause,
    });
    expect(error).toMatchObject({ code: "PROVIDER_UNAVAILABLE", provider: "vault", secret: "A", cause });
    expect(error.name).toBe("ProviderUnavailableError");
    expect(error.toJSON()).toEqual({
      name: "ProviderUnavailableError",
      code: "PROVIDER_UNAVAILABLE",
      message: "Cannot reach Vault",
      provider: "vault",
      secret: "A",
    });
  });

  it("use the spec's messages", () => {
    expect(new core.ProviderNotConfiguredError(undefined, { provider: "vault" }).message).toBe(
      "Secret provider 'vault' not configured",
    );
    expect(new core.SecretNotFoundError(undefined, { secret: "SECRET_KEY" }).message).toBe(
      "Required secret 'SECRET_KEY' not found",
    );
    expect(new core.AuthenticationError(undefined, { provider: "vault", displayName: "Vault" }).message).toBe(
      "Vault authentication failed",
    );
  });

  it("are recognised across copies of core, class by class", () => {
    const foreign = new other.SecretConflictError(undefined, { provider: "vault", secret: "A" });
    expect(other.SecretConflictError).not.toBe(core.SecretConflictError);
    expect(foreign instanceof core.SecretConflictError).toBe(true);
    expect(foreign instanceof core.SecretError).toBe(true);
    expect(core.isSecretError(foreign)).toBe(true);
    expect(foreign instanceof core.SecretNotFoundError).toBe(false);
    expect(new Error("plain") instanceof core.SecretError).toBe(false);
    expect({ code: "CONFLICT", name: "SecretConflictError" } instanceof core.SecretConflictError).toBe(false);
    expect(
      new core.SecretConflictError(undefined, { provider: "x", secret: "y" }) instanceof
        other.SecretConflictError,
    ).toBe(true);
  });

  // Class-specific options each class needs besides provider, secret and cause.
  const extra: Record<string, Record<string, unknown>> = {
    SecretError: { code: "PROVIDER_ERROR" },
    ProviderNotConfiguredError: { missing: ["VAULT_URL"] },
    ProviderNotInstalledError: { packageName: "@org/secrets-provider-vault" },
    ProviderInvalidError: {},
    ProviderUnavailableError: {},
    AuthenticationError: { displayName: "Vault" },
    AccessDeniedError: {},
    SecretNotFoundError: {},
    SecretScheduledForDeletionError: { deletionDate: new Date(0) },
    SecretConflictError: {},
    InvalidSecretNameError: { name: "a b" },
    InvalidSecretValueError: {},
    SecretConfigError: { field: "VAULT_URL" },
    NotSupportedError: { feature: "listing secrets" },
    ProviderError: {},
    SecretTimeoutError: { operation: "get", timeoutMs: 1000 },
  };
  type AnyErrorClass = new (message: string | undefined, options: object) => core.SecretError;
  const classes = (Object.entries(core) as [string, unknown][]).filter(
    (entry): entry is [string, AnyErrorClass] =>
      typeof entry[1] === "function" &&
      (entry[1] === core.SecretError || entry[1].prototype instanceof core.SecretError),
  );

  it("are all built as (message, options)", () => {
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(extra).sort());
    for (const [name, ErrorClass] of classes) {
      const cause = new Error("socket hang up");
      const error = new ErrorClass("Something went wrong", {
        provider: "vault",
        secret: "A",
        cause,
        ...extra[name],
      });
      expect(error, name).toBeInstanceOf(core.SecretError);
      expect(error, name).toBeInstanceOf(ErrorClass);
      expect(error.name).toBe(name);
      expect(error.message, name).toBe("Something went wrong");
      expect(error.cause, name).toBe(cause);
      expect(error.provider, name).toBe("vault");
      expect(error.secret, name).toBe("A");
      expect(error.code, name).toMatch(/^[A-Z_]+$/);
      for (const [key, value] of Object.entries(extra[name] ?? {}))
        if (key !== "name" && key !== "displayName" && key !== "feature")
          expect((error as unknown as Record<string, unknown>)[key], `${name}.${key}`).toEqual(value);
    }
  });

  it("leave out the cause when none is given", () => {
    const error = new core.ProviderError("boom", { provider: "aws" });
    expect("cause" in error).toBe(false);
    expect(error.secret).toBeUndefined();
  });

  it("build their standard message when the message is undefined", () => {
    const provider = { provider: "vault" };
    expect(
      new core.ProviderNotConfiguredError(undefined, { ...provider, reason: "set VAULT_URL" }).message,
    ).toBe("Secret provider 'vault' not configured: set VAULT_URL");
    expect(
      new core.ProviderNotInstalledError(undefined, {
        ...provider,
        packageName: "@org/secrets-provider-vault",
      }).message,
    ).toBe("Secret provider 'vault' is not installed: run npm install @org/secrets-provider-vault");
    expect(
      new core.ProviderInvalidError(undefined, { ...provider, reason: "missing method(s) check" }).message,
    ).toBe("Secret provider 'vault' is not a valid provider: missing method(s) check");
    expect(
      new core.AuthenticationError(undefined, {
        ...provider,
        displayName: "Vault",
        reason: "permission denied",
      }).message,
    ).toBe("Vault authentication failed: permission denied");
    expect(new core.SecretConflictError(undefined, { ...provider, secret: "A" }).message).toBe(
      "Secret 'A' was changed by someone else; read it again and retry",
    );
    expect(
      new core.InvalidSecretNameError(undefined, { name: "a\nb", reason: "no line breaks" }).message,
    ).toBe("Invalid secret name 'a\\nb': no line breaks");
    const invalidName = new core.InvalidSecretNameError(undefined, { name: 42, reason: "not a string" });
    expect(invalidName.message).toBe("Invalid secret name of type number: not a string");
    expect(invalidName.secret).toBeUndefined();
    expect(new core.InvalidSecretValueError(undefined, { secret: "A", reason: "too long" }).message).toBe(
      "Invalid value for secret 'A': too long",
    );
    expect(new core.NotSupportedError(undefined, { ...provider, feature: "listing secrets" }).message).toBe(
      "Secret provider 'vault' does not support listing secrets",
    );
    expect(
      new core.SecretTimeoutError(undefined, { ...provider, operation: "get", timeoutMs: 1500, secret: "A" })
        .message,
    ).toBe("Secret provider 'vault' did not answer within 1.5 s (get 'A')");
  });

  it("show hostile names quoted and shortened", () => {
    expect(describeName("a\nb")).toBe("'a\\nb'");
    expect(describeName("x".repeat(100))).toBe(`'${"x".repeat(64)}…'`);
    expect(describeName(42)).toBe("of type number");
  });
});
