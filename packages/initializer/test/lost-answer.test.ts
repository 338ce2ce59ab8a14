// A write whose answer is lost (the connection drops, the deadline passes)
// after the backend stored the value: rotate and init --force read the secret
// back and report what the backend holds, never "failed" for a value stored.
import { ProviderUnavailableError, SecretManager } from "@org/secrets-core";
import type { WriteOptions, WriteResult } from "@org/secrets-core/provider";
import { describe, expect, it } from "vitest";
import { parseManifest, SecretInitializer } from "../src/index.js";
import { captureLogs, MemoryProvider } from "./helpers.js";

const MANIFEST = parseManifest(`version: 1
secrets:
  SECRET_KEY: { generate: hex }
  JWT_SECRET_KEY: { generate: base64url }
`);

/** A backend that stores each write of `lost`, then loses the answer: it throws, or never answers. */
class LostAnswers extends MemoryProvider {
  readonly lost = new Set<string>();
  mode: "drop" | "hang" = "drop";
  /** Reads fail from the first lost answer on: nobody can tell what was stored. */
  unreadableAfter = false;

  override async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    const result = await super.set(name, value, options);
    if (!this.lost.has(name)) return result;
    if (this.unreadableAfter) this.readError = unavailable();
    if (this.mode === "hang") await new Promise<never>(() => {});
    throw unavailable();
  }
}

function unavailable(): ProviderUnavailableError {
  return new ProviderUnavailableError("Secret provider 'memory' is not available: connection reset", {
    provider: "memory",
  });
}

function setup(timeoutMs?: number) {
  const provider = new LostAnswers();
  provider.seed("SECRET_KEY", "old-secret-key");
  provider.seed("JWT_SECRET_KEY", "old-jwt-key");
  const logs = captureLogs();
  const manager = new SecretManager({ provider, logger: logs.logger, ...(timeoutMs ? { timeoutMs } : {}) });
  const initializer = new SecretInitializer({ manager, manifest: MANIFEST });
  return { provider, initializer, logs };
}

const versionOf = (provider: MemoryProvider, name: string) => provider.data.get(name)?.at(-1)?.version;

describe("a write whose answer is lost", () => {
  it("rotate reports a value the backend stored as rotated, with its version", async () => {
    const { provider, initializer } = setup();
    provider.lost.add("SECRET_KEY");
    const result = await initializer.rotateSecrets();
    expect(result.ok).toBe(true);
    expect(result.secrets.map((s) => [s.name, s.action])).toEqual([
      ["SECRET_KEY", "rotated"],
      ["JWT_SECRET_KEY", "rotated"],
    ]);
    expect(provider.current("SECRET_KEY")).toMatch(/^[0-9a-f]{64}$/);
    expect(result.secrets[0]?.version).toBe(versionOf(provider, "SECRET_KEY"));
  });

  it("rotate reports a value stored before the deadline passed as rotated", async () => {
    const { provider, initializer } = setup(100);
    provider.mode = "hang";
    provider.lost.add("JWT_SECRET_KEY");
    const result = await initializer.rotateSecrets(["JWT_SECRET_KEY"]);
    expect(result.secrets).toEqual([
      expect.objectContaining({
        name: "JWT_SECRET_KEY",
        action: "rotated",
        version: versionOf(provider, "JWT_SECRET_KEY"),
      }),
    ]);
    expect(provider.current("JWT_SECRET_KEY")).not.toBe("old-jwt-key");
  });

  it("rotate still reports a write the backend refused as failed, the old value kept", async () => {
    const { provider, initializer } = setup();
    provider.writeErrors.set("SECRET_KEY", unavailable());
    const result = await initializer.rotateSecrets();
    expect(result.ok).toBe(false);
    expect(result.secrets[0]).toMatchObject({
      name: "SECRET_KEY",
      action: "failed",
      code: "PROVIDER_UNAVAILABLE",
    });
    expect(result.secrets[0]?.message).not.toMatch(/may have stored/);
    expect(provider.current("SECRET_KEY")).toBe("old-secret-key");
  });

  it("rotate says the value may be stored when it cannot be read back either", async () => {
    const { provider, initializer, logs } = setup();
    provider.lost.add("SECRET_KEY");
    provider.unreadableAfter = true;
    const result = await initializer.rotateSecrets(["SECRET_KEY"]);
    expect(result.ok).toBe(false);
    expect(result.secrets[0]).toMatchObject({ name: "SECRET_KEY", action: "failed" });
    expect(result.secrets[0]?.message).toMatch(
      /may have stored the new value all the same .* check with secrets health/,
    );
    const stored = provider.current("SECRET_KEY") as string;
    expect(JSON.stringify(result) + logs.lines.join("\n")).not.toContain(stored);
  });

  it("init --force reports a value the backend stored as regenerated", async () => {
    const { provider, initializer, logs } = setup();
    provider.lost.add("SECRET_KEY");
    const result = await initializer.initializeSecrets({ force: true });
    expect(result.ok).toBe(true);
    expect(result.secrets.map((s) => [s.name, s.action])).toEqual([
      ["SECRET_KEY", "regenerated"],
      ["JWT_SECRET_KEY", "regenerated"],
    ]);
    const stored = provider.current("SECRET_KEY") as string;
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(result) + logs.lines.join("\n")).not.toContain(stored);
  });
});
