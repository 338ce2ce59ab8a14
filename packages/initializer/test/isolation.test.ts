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
    new AccessDeniedError("memory", "Access denied reading 'BROKEN'", { secret: "BROKEN" }),
  );
  return { provider, initializer };
}

describe("one unreadable secret", () => {
  it("init creates every other missing secret and reports the unreadable one as failed, writing nothing to it", async () => {
    const { provider, initializer } = setup();
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
    expect(provider.writes.map((w) => w.name).sort()).toEqual(
      ["ALPHA", "GAMMA", "__proto__", "constructor"].sort(),
    );
    expect(provider.current("__proto__")).toMatch(/^[0-9a-f]{64}$/);
    // One batch read that failed, then one read per secret.
    expect(provider.calls.getMany).toBe(1);
    expect(provider.calls.get).toBe(5);
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
      new ProviderUnavailableError("memory", "Secret provider 'memory' is unavailable"),
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

  it("when every secret fails, init throws the provider's error and writes nothing", async () => {
    const { provider, initializer } = setup();
    provider.readError = new ProviderUnavailableError("memory", "Secret provider 'memory' is unavailable");
    await expect(initializer.initializeSecrets()).rejects.toMatchObject({ code: "PROVIDER_UNAVAILABLE" });
    expect(provider.writes).toHaveLength(0);
  });
});
