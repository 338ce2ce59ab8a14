import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { resetSecretManager, SecretNotFoundError, setSecretManager } from "@org/secrets-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { boot, readiness, rotateSigningKeys } from "../examples/application.js";
import { ManifestError, parseManifest } from "../src/index.js";
import { MemoryProvider, managerFor } from "./helpers.js";

const MANIFEST = `version: 1
secrets:
  SECRET_KEY: { generate: hex, rotation: 90d }
  JWT_SECRET_KEY: { generate: base64url, rotation: 90d }
  DATABASE_URL: { generate: false }
`;

describe("the README's application example", () => {
  const saved: Record<string, string | undefined> = {};
  const keys = ["NODE_ENV", "ENVIRONMENT", "FORCE_SECRET_INIT", "SECRETS_MANIFEST"] as const;
  let dir: string;
  let provider: MemoryProvider;

  beforeEach(async () => {
    for (const key of keys) saved[key] = process.env[key];
    dir = await mkdtemp(path.join(tmpdir(), "initializer-example-"));
    await writeFile(path.join(dir, "secrets.yaml"), MANIFEST);
    process.env.SECRETS_MANIFEST = path.join(dir, "secrets.yaml");
    process.env.NODE_ENV = "production";
    delete process.env.ENVIRONMENT;
    delete process.env.FORCE_SECRET_INIT;
    provider = new MemoryProvider();
    setSecretManager(managerFor(provider));
  });

  afterEach(async () => {
    for (const key of keys) {
      const value = saved[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await resetSecretManager();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses to boot without DATABASE_URL, after creating the generatable secrets", async () => {
    await expect(boot()).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(provider.current("SECRET_KEY")).toMatch(/^[0-9a-f]{64}$/);
    expect((await readiness()).status).toBe(503);
  });

  it("boots, reports ready, and rotates the signing keys", async () => {
    provider.seed("DATABASE_URL", "postgres://db");
    expect(await boot()).toBe("postgres://db");
    const probe = await readiness();
    expect(probe.status).toBe(200);
    expect(probe.body.status).toBe("healthy");
    const before = provider.current("SECRET_KEY");
    expect(await rotateSigningKeys()).toBe(true);
    expect(provider.current("SECRET_KEY")).not.toBe(before);
  });

  it("is in the README verbatim", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("../examples/application.ts", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});

describe("the README's manifest examples", () => {
  async function blocks(language: string): Promise<string[]> {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    return [...readme.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))].map(
      (m) => m[1] ?? "",
    );
  }

  it("parses the documented manifest", async () => {
    const [documented] = await blocks("yaml");
    const manifest = parseManifest(documented ?? "");
    expect(
      manifest.secrets.map((s) => [s.name, s.required, s.generate === false ? false : s.generate.kind]),
    ).toEqual([
      ["SECRET_KEY", true, "hex"],
      ["JWT_SECRET_KEY", true, "base64url"],
      ["BASIC_AUTH_PASSWORD", true, "password"],
      ["DATABASE_URL", true, false],
      ["SMTP_PASSWORD", false, false],
      ["PROVIDED_BY_PLATFORM", true, false],
    ]);
  });

  it("shows the errors the broken manifest really produces", async () => {
    const [, broken] = await blocks("yaml");
    const [message, issues] = await blocks("text");
    let error: ManifestError | undefined;
    try {
      parseManifest(broken ?? "");
    } catch (e) {
      error = e as ManifestError;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect(`${error?.message}\n`).toBe(message);
    const listed = error?.issues.map((i) => `${`${i.line}:${i.column}`.padEnd(6)}${i.message}`).join("\n");
    expect(`${listed}\n`).toBe(issues);
  });
});
