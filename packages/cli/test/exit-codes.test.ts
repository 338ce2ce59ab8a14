import {
  AccessDeniedError,
  AuthenticationError,
  InvalidSecretNameError,
  InvalidSecretValueError,
  NotSupportedError,
  ProviderError,
  ProviderInvalidError,
  ProviderNotConfiguredError,
  ProviderNotInstalledError,
  ProviderUnavailableError,
  SecretConfigError,
  SecretConflictError,
  SecretError,
  SecretNotFoundError,
  SecretScheduledForDeletionError,
} from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { EXIT, exitCodeForError, exitCodeForHealth, exitCodeForResult } from "../src/index.js";
import { UsageError } from "../src/usage-error.js";

describe("exitCodeForError", () => {
  it.each([
    ["usage error", new UsageError("bad"), EXIT.USAGE],
    ["invalid configuration", new SecretConfigError("bad", { field: "X" }), EXIT.USAGE],
    ["invalid name", new InvalidSecretNameError(undefined, { name: "a-b", reason: "no dashes" }), EXIT.USAGE],
    ["invalid value", new InvalidSecretValueError(undefined, { secret: "A", reason: "NUL" }), EXIT.USAGE],
    [
      "unknown provider",
      new ProviderNotInstalledError(undefined, {
        provider: "vault",
        packageName: "@org/secrets-provider-vault",
      }),
      EXIT.USAGE,
    ],
    [
      "invalid provider",
      new ProviderInvalidError(undefined, { provider: "x", reason: "no createProvider" }),
      EXIT.USAGE,
    ],
    [
      "provider not configured",
      new ProviderNotConfiguredError(undefined, { provider: "vault", reason: "VAULT_ADDR is not set" }),
      EXIT.USAGE,
    ],
    ["not found", new SecretNotFoundError(undefined, { secret: "A" }), EXIT.NOT_FOUND],
    ["provider unavailable", new ProviderUnavailableError("sealed", { provider: "vault" }), EXIT.FAILED],
    ["provider error", new ProviderError("boom", { provider: "aws" }), EXIT.FAILED],
    [
      "authentication",
      new AuthenticationError(undefined, { provider: "vault", displayName: "Vault" }),
      EXIT.FAILED,
    ],
    ["access denied", new AccessDeniedError("denied", { provider: "aws" }), EXIT.FAILED],
    ["conflict", new SecretConflictError(undefined, { provider: "vault", secret: "A" }), EXIT.FAILED],
    [
      "scheduled for deletion",
      new SecretScheduledForDeletionError("scheduled", { provider: "aws", secret: "A" }),
      EXIT.FAILED,
    ],
    [
      "not supported",
      new NotSupportedError(undefined, { provider: "env", feature: "versions" }),
      EXIT.FAILED,
    ],
    ["timeout", new SecretError("timed out", { code: "TIMEOUT" }), EXIT.FAILED],
  ])("%s → its code", (_label, error, code) => {
    expect(exitCodeForError(error)).toBe(code);
  });

  it("maps a SecretError from another copy of core by its code", () => {
    class ForeignError extends Error {
      readonly code = "INVALID_NAME";
    }
    expect(exitCodeForError(new ForeignError("x"))).toBe(EXIT.USAGE);
  });

  it("treats anything else as a failure", () => {
    expect(exitCodeForError(new TypeError("x"))).toBe(EXIT.FAILED);
    expect(exitCodeForError(Object.assign(new Error("no file"), { code: "ENOENT" }))).toBe(EXIT.FAILED);
    expect(exitCodeForError({ code: "INVALID_NAME" })).toBe(EXIT.FAILED);
    expect(exitCodeForError("a string")).toBe(EXIT.FAILED);
    expect(exitCodeForError(undefined)).toBe(EXIT.FAILED);
  });
});

describe("exitCodeForHealth", () => {
  it.each([
    ["healthy", false, 0],
    ["healthy", true, 0],
    ["degraded", false, 0],
    ["degraded", true, 3],
    ["unhealthy", false, 1],
    ["unhealthy", true, 1],
  ] as const)("%s (strict %s) → %d", (status, strict, code) => {
    expect(exitCodeForHealth(status, strict)).toBe(code);
  });
});

describe("exitCodeForResult", () => {
  it("is 0 when ok and 1 otherwise", () => {
    expect(exitCodeForResult({ ok: true })).toBe(0);
    expect(exitCodeForResult({ ok: false })).toBe(1);
  });
});
