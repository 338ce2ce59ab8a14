import { AccessDeniedError, ProviderUnavailableError } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { parseManifest, SecretInitializer } from "../src/index.js";
import { MemoryProvider, managerFor } from "./helpers.js";

const MANIFEST = parseManifest(
  `version: 1
secrets:
  ALPHA: { generate: hex }
  BROKEN: { generate: hex }
  GAMMA: { generate: hex }
  __proto__: { generate: hex }
  constructor: { generate: hex }
`,
  "secrets.yaml",
);

function setup() {
  const provider = new MemoryProvider();
  const initializer = new SecretInitializer({
    manager: managerFor(provider),
    manifest: MANIFEST,
    production: true,
  });
  // What a backend does for one secret it cannot hand over (scheduled for deletion, binary, denied).
  provider.readErrors.set(
    "BROKEN",
    new AccessDeniedError("Access denied reading 'BROKEN'", { provider: "memory", secret: "BROKEN" }),
  );
  return { provider, initializer };
}

describe("one unreadable secret", () => {
  it("init creates every other missing secret and reports the one the backend refuses as failed, writing nothing to it", async () => {
    const { provider, initializer } = setup();
    provider.writeErrors.set(
      "BROKEN",
      new AccessDeniedError("Access denied reading 'BROKEN'", { provider: "memory", secret: "BROKEN" }),
    );
    const result = await initializer.initializeSecrets();
    expect(result.ok).toBe(false);
    const byName = Object.fromEntries(result.secrets.map((s) => [s.name, s]));
    expect(Object.getPrototypeOf(byName)).toBe(Object.prototype);
    expect(result.secrets.map((s) => [s.name, s.action])).toEqual([
      ["ALPHA", "created"],
      ["BROKEN", "failed"],
      ["GAMMA", "created"],
      ["__proto__", "created"],
      ["constructor", "created"],
    ]);
    const broken = result.secrets[1];
    expect(broken).toMatchObject({ code: "ACCESS_DENIED", message: "Access denied reading 'BROKEN'" });
    expect(provider.data.has("BROKEN")).toBe(false);
    expect(provider.current("__proto__")).toMatch(/^[0-9a-f]{64}$/);
    // Every secret is generatable: created without a read.
    expect(provider.calls.getMany + provider.calls.get).toBe(0);
  });

  it("init reports an unreadable secret it cannot generate as failed, and creates the others", async () => {
    const provider = new MemoryProvider();
    const manifest = parseManifest(
      "version: 1\nsecrets:\n  ALPHA: { generate: hex }\n  BROKEN: { generate: false }\n  OTHER: { generate: false }\n",
    );
    provider.seed("OTHER", "set by hand");
    provider.readErrors.set(
      "BROKEN",
      new AccessDeniedError("Access denied reading 'BROKEN'", { provider: "memory" }),
    );
    const result = await new SecretInitializer({
      manager: managerFor(provider),
      manifest,
      production: true,
    }).initializeSecrets();
    expect(result.secrets.map((s) => [s.name, s.action, s.code])).toEqual([
      ["ALPHA", "created", undefined],
      ["BROKEN", "failed", "ACCESS_DENIED"],
      ["OTHER", "exists", undefined],
    ]);
    expect(result.ok).toBe(false);
  });

  it("rotate rotates the others and reports the unreadable one as failed", async () => {
    const { provider, initializer } = setup();
    for (const name of ["ALPHA", "BROKEN", "GAMMA", "__proto__", "constructor"])
      provider.seed(name, `old-${name}`);
    const result = await initializer.rotateSecrets();
    expect(result.ok).toBe(false);
    expect(result.secrets.map((s) => [s.name, s.action, s.code])).toEqual([
      ["ALPHA", "rotated", undefined],
      ["BROKEN", "failed", "ACCESS_DENIED"],
      ["GAMMA", "rotated", undefined],
      ["__proto__", "rotated", undefined],
      ["constructor", "rotated", undefined],
    ]);
    expect(provider.current("BROKEN")).toBe("old-BROKEN");
    expect(provider.current("ALPHA")).not.toBe("old-ALPHA");
    expect(provider.writes.some((w) => w.name === "BROKEN")).toBe(false);
  });

  it("a failed write is reported with its code and the others proceed", async () => {
    const { provider, initializer } = setup();
    provider.readErrors.clear();
    provider.writeErrors.set(
      "GAMMA",
      new ProviderUnavailableError("Secret provider 'memory' is unavailable", { provider: "memory" }),
    );
    const result = await initializer.initializeSecrets();
    expect(result.ok).toBe(false);
    expect(result.secrets.find((s) => s.name === "GAMMA")).toMatchObject({
      action: "failed",
      code: "PROVIDER_UNAVAILABLE",
    });
    expect(result.secrets.filter((s) => s.action === "created")).toHaveLength(4);
  });

  it("health reports the unreadable one as an error with its code, the provider ok", async () => {
    const { provider, initializer } = setup();
    for (const name of ["ALPHA", "BROKEN", "GAMMA", "__proto__", "constructor"]) provider.seed(name, "v");
    const report = await initializer.healthCheck();
    expect(report.provider.ok).toBe(true);
    expect(report.status).toBe("unhealthy");
    expect(report.secrets.find((s) => s.name === "BROKEN")).toMatchObject({
      status: "error",
      code: "ACCESS_DENIED",
    });
    expect(report.summary).toMatchObject({ ok: 4, error: 1 });
  });

  it("when every secret fails, init throws the provider's error and stores nothing", async () => {
    const { provider, initializer } = setup();
    const down = new ProviderUnavailableError("Secret provider 'memory' is unavailable", {
      provider: "memory",
    });
    provider.readError = down;
    for (const name of ["ALPHA", "BROKEN", "GAMMA", "__proto__", "constructor"])
      provider.writeErrors.set(name, down);
    await expect(initializer.initializeSecrets()).rejects.toMatchObject({ code: "PROVIDER_UNAVAILABLE" });
    expect(provider.data.size).toBe(0);
  });
});
