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
    const error = new core.ProviderUnavailableError("vault", "Cannot reach Vault", { secret: "A", cause });
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
    expect(new core.ProviderNotConfiguredError("vault").message).toBe(
      "Secret provider 'vault' not configured",
    );
    expect(new core.SecretNotFoundError("SECRET_KEY").message).toBe("Required secret 'SECRET_KEY' not found");
    expect(new core.AuthenticationError("vault", "Vault").message).toBe("Vault authentication failed");
  });

  it("are recognised across copies of core, class by class", () => {
    const foreign = new other.SecretConflictError("vault", "A");
    expect(other.SecretConflictError).not.toBe(core.SecretConflictError);
    expect(foreign instanceof core.SecretConflictError).toBe(true);
    expect(foreign instanceof core.SecretError).toBe(true);
    expect(core.isSecretError(foreign)).toBe(true);
    expect(foreign instanceof core.SecretNotFoundError).toBe(false);
    expect(new Error("plain") instanceof core.SecretError).toBe(false);
    expect({ code: "CONFLICT", name: "SecretConflictError" } instanceof core.SecretConflictError).toBe(false);
    expect(new core.SecretConflictError("x", "y") instanceof other.SecretConflictError).toBe(true);
  });

  it("show hostile names quoted and shortened", () => {
    expect(describeName("a\nb")).toBe("'a\\nb'");
    expect(describeName("x".repeat(100))).toBe(`'${"x".repeat(64)}…'`);
    expect(describeName(42)).toBe("of type number");
  });
});
