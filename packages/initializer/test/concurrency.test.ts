import { SecretManager } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { parseManifest, SecretInitializer } from "../src/index.js";
import { MemoryProvider, randomTurns } from "./helpers.js";

const MANIFEST = parseManifest(`version: 1
secrets:
  SECRET_KEY: { generate: hex }
  JWT_SECRET_KEY: { generate: base64url }
  BASIC_AUTH_PASSWORD: { generate: password }
  SESSION_SALT: { generate: alphanumeric }
  INSTANCE_ID: { generate: uuid }
  DATABASE_URL: { generate: false }
`);
const GENERATABLE = ["SECRET_KEY", "JWT_SECRET_KEY", "BASIC_AUTH_PASSWORD", "SESSION_SALT", "INSTANCE_ID"];
const PROCESSES = 16;

describe("16 concurrent initializations over one shared backend", () => {
  it("store exactly one value per secret, which every process then reads", async () => {
    // Every call yields a random number of event-loop turns, so reads and writes interleave.
    const shared = new MemoryProvider({ latency: randomTurns(8) });
    shared.seed("DATABASE_URL", "postgres://db");
    const managers = Array.from({ length: PROCESSES }, () => new SecretManager({ provider: shared }));

    // Hold every process's read until all 16 have asked, so all of them see the secrets missing.
    let release = () => {};
    shared.readGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = Promise.all(
      managers.map((manager) => new SecretInitializer({ manager, manifest: MANIFEST }).initializeSecrets()),
    );
    // Each reads the one secret it cannot generate (alone: a single read), then all race their creates.
    while (shared.calls.get < PROCESSES) await new Promise<void>((resolve) => setImmediate(resolve));
    // Let the last readers' jitter run out so that they are all waiting at the gate.
    for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    shared.readGate = undefined;
    release();
    const results = await running;

    for (const result of results) expect(result.ok).toBe(true);
    for (const name of GENERATABLE) {
      // Exactly one value was ever stored.
      expect(shared.data.get(name)).toHaveLength(1);
      // Exactly one process created it; every other one's create-only write found it there.
      const actions = results.map((r) => r.secrets.find((s) => s.name === name)?.action);
      expect(actions.filter((a) => a === "created")).toHaveLength(1);
      expect(actions.filter((a) => a === "exists" || a === "adopted")).toHaveLength(PROCESSES - 1);
    }
    // Every process tried an atomic create; all but one lost cleanly.
    expect(shared.writes.filter((w) => w.name === "SECRET_KEY")).toHaveLength(PROCESSES);
    expect(shared.writes.every((w) => w.ifAbsent)).toBe(true);

    // All 16 agree when they read back, through their own managers.
    for (const name of GENERATABLE) {
      const seen = await Promise.all(managers.map((m) => m.getSecret(name, { fresh: true })));
      expect(new Set(seen).size).toBe(1);
      expect(seen[0]).toBe(shared.current(name));
    }
    expect(shared.current("DATABASE_URL")).toBe("postgres://db");
  });
});
