import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SecretManager } from "@org/secrets-core";
import { createEnvProvider } from "@org/secrets-provider-env";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultManifest, type InitResult, parseManifest, SecretInitializer } from "../src/index.js";

const NOW = new Date("2025-03-01T12:00:00.000Z");

function actions(result: InitResult): Record<string, string> {
  return Object.fromEntries(result.secrets.map((s) => [s.name, s.action]));
}

describe("through the env provider", () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "initializer-env-"));
    file = path.join(dir, ".env");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // An empty environment: only the file counts.
  const managerOver = () =>
    new SecretManager({ provider: createEnvProvider({ path: file, env: {}, now: () => NOW }) });
  const initializerOver = (production: boolean) =>
    new SecretInitializer({
      manager: managerOver(),
      manifest: defaultManifest(),
      production,
      now: () => NOW,
    });

  it("creates the missing secrets in the dotenv file, with the development DATABASE_URL, keeping other lines", async () => {
    await writeFile(file, "# app settings\nSECRET_KEY=kept-as-is\nUNRELATED=1\n", { mode: 0o600 });

    const result = await initializerOver(false).initializeSecrets();

    expect(result.ok).toBe(true);
    expect(actions(result)).toMatchObject({
      SECRET_KEY: "exists",
      JWT_SECRET_KEY: "created",
      DATABASE_URL: "development-default",
      BASIC_AUTH_PASSWORD: "created",
      SMTP_PASSWORD: "skipped",
    });
    const text = await readFile(file, "utf8");
    expect(text).toContain("# app settings\n");
    expect(text).toContain("SECRET_KEY=kept-as-is\n");
    expect(text).toContain("UNRELATED=1\n");

    // A fresh provider reads back what was written.
    const reader = managerOver();
    expect(await reader.getSecret("DATABASE_URL")).toBe("sqlite:///./dev.db");
    expect(await reader.getSecret("JWT_SECRET_KEY")).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(await reader.getSecret("BASIC_AUTH_PASSWORD")).toHaveLength(43);
    expect((await reader.getSecretRecord("JWT_SECRET_KEY"))?.metadata?.rotatedAt).toBe(NOW.toISOString());
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("leaves the file byte for byte as it was on a second run", async () => {
    await initializerOver(false).initializeSecrets();
    const before = await readFile(file, "utf8");
    const again = await initializerOver(false).initializeSecrets();
    expect(again.secrets.filter((s) => s.action === "created" || s.action === "development-default")).toEqual(
      [],
    );
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("never writes the development DATABASE_URL in production", async () => {
    const result = await initializerOver(true).initializeSecrets();
    expect(actions(result).DATABASE_URL).toBe("missing");
    expect(result.ok).toBe(false);
    expect(await readFile(file, "utf8")).not.toContain("DATABASE_URL");
  });

  it("rotates and reports health from the file", async () => {
    const initializer = initializerOver(false);
    await initializer.initializeSecrets();
    const before = await managerOver().getSecret("SECRET_KEY");

    const rotated = await initializer.rotateSecrets(["SECRET_KEY"]);
    expect(rotated.secrets[0]?.action).toBe("rotated");
    expect(await managerOver().getSecret("SECRET_KEY")).not.toBe(before);

    const health = await initializer.healthCheck();
    expect(health.provider).toMatchObject({ name: "env", ok: true });
    // Only the optional secrets nobody can generate are missing.
    expect(health.status).toBe("degraded");
    expect(health.summary).toMatchObject({ missingRequired: 0, missing: 3, overdue: 0 });
    expect(health.secrets.find((s) => s.name === "SECRET_KEY")?.rotation).toMatchObject({
      lastRotated: NOW.toISOString(),
      state: "current",
    });
  });

  it("ends with one value per secret when several initializers share the file", async () => {
    const manifest = parseManifest(`version: 1
secrets:
  SECRET_KEY: { generate: hex }
  JWT_SECRET_KEY: { generate: base64url }
  SESSION_SALT: { generate: alphanumeric }
`);
    const managers = Array.from({ length: 6 }, managerOver);
    const results = await Promise.all(
      managers.map((manager) =>
        new SecretInitializer({ manager, manifest, production: false }).initializeSecrets(),
      ),
    );
    for (const result of results) expect(result.ok).toBe(true);
    for (const name of ["SECRET_KEY", "JWT_SECRET_KEY", "SESSION_SALT"]) {
      const created = results.filter((r) => r.secrets.find((s) => s.name === name)?.action === "created");
      expect(created).toHaveLength(1);
      const seen = await Promise.all(managers.map((m) => m.getSecret(name, { fresh: true })));
      expect(new Set(seen).size).toBe(1);
    }
    const text = await readFile(file, "utf8");
    expect(text.match(/^SECRET_KEY=/gm)).toHaveLength(1);
  });
});
