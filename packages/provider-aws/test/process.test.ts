/**
 * Behaviour that only a fresh process shows: what gets loaded at import, and
 * configuration read from a process environment without credentials or region.
 * These run the built package (dist), as an application would.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestEnv, motoEndpoint, PACKAGE_DIR, TEST_SECRET_ACCESS_KEY } from "./support/aws.js";

const run = promisify(execFile);
const ESM = path.join(PACKAGE_DIR, "dist", "index.js");
const CJS = path.join(PACKAGE_DIR, "dist", "index.cjs");
let home: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "provider-aws-home-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** A clean environment: no AWS settings from this machine, only what the test gives. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^AWS_|^SECRET_/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: path.join(home, "missing-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "missing-credentials"),
    ...extra,
  };
}

async function node(script: string, env: Record<string, string>, type: "module" | "commonjs" = "module") {
  const { stdout } = await run(process.execPath, ["--input-type", type, "-e", script], {
    env,
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop() as string);
}

const LOADED_CHECK = `
  const { createRequire } = await import("node:module");
  const cache = createRequire(${JSON.stringify(ESM)}).cache;
  const sdkLoaded = () => Object.keys(cache).some((k) => k.includes("client-secrets-manager"));
`;

describe("the AWS SDK is loaded on first use only", () => {
  it("ESM: importing the package and creating a provider loads no AWS SDK; the first request does", async () => {
    const result = await node(
      `${LOADED_CHECK}
      const { createProvider } = await import(${JSON.stringify(ESM)});
      const afterImport = sdkLoaded();
      const provider = await createProvider({ env: process.env, cwd: process.cwd(), logger: { debug() {}, info() {}, warn() {}, error() {} } });
      const afterCreate = sdkLoaded();
      await provider.check();
      const afterUse = sdkLoaded();
      await provider.close();
      console.log(JSON.stringify({ afterImport, afterCreate, afterUse }));`,
      cleanEnv(awsTestEnv(motoEndpoint())),
    );
    expect(result).toEqual({ afterImport: false, afterCreate: false, afterUse: true });
  });

  it("CommonJS: the same holds for require()", async () => {
    const result = await node(
      `const sdkLoaded = () => Object.keys(require.cache).some((k) => k.includes("client-secrets-manager"));
      const { createAwsProvider } = require(${JSON.stringify(CJS)});
      const afterImport = sdkLoaded();
      const provider = createAwsProvider({ prefix: "lazy-cjs" });
      const afterCreate = sdkLoaded();
      provider.list().then(async () => {
        const afterUse = sdkLoaded();
        await provider.close();
        console.log(JSON.stringify({ afterImport, afterCreate, afterUse }));
      });`,
      cleanEnv(awsTestEnv(motoEndpoint())),
      "commonjs",
    );
    expect(result).toEqual({ afterImport: false, afterCreate: false, afterUse: true });
  });
});

describe("configuration from the process environment", () => {
  const CHECK = `
    const { createProvider } = await import(${JSON.stringify(ESM)});
    try {
      const provider = await createProvider({ env: process.env, cwd: process.cwd(), logger: { debug() {}, info() {}, warn() {}, error() {} } });
      const status = await provider.check();
      await provider.close();
      console.log(JSON.stringify({ ok: true, details: status.details }));
    } catch (error) {
      console.log(JSON.stringify({ ok: false, name: error.name, code: error.code, message: error.message, field: error.field }));
    }`;

  it("no region anywhere → 'Secret provider 'aws' not configured' naming AWS_REGION", async () => {
    const { AWS_REGION: _region, ...env } = awsTestEnv(motoEndpoint());
    const result = await node(CHECK, cleanEnv(env));
    expect(result).toMatchObject({
      ok: false,
      name: "ProviderNotConfiguredError",
      code: "PROVIDER_NOT_CONFIGURED",
    });
    expect(result.message).toBe(
      "Secret provider 'aws' not configured: set AWS_REGION (or AWS_DEFAULT_REGION, or a region in your AWS profile)",
    );
  });

  it("AWS_DEFAULT_REGION is used when AWS_REGION is not set, as the AWS CLI does", async () => {
    const { AWS_REGION: _region, ...env } = awsTestEnv(motoEndpoint());
    const result = await node(CHECK, cleanEnv({ ...env, AWS_DEFAULT_REGION: "eu-west-3" }));
    expect(result).toMatchObject({ ok: true, details: { region: "eu-west-3" } });
  });

  it("the region of the AWS profile is used when neither variable is set", async () => {
    const { writeFile } = await import("node:fs/promises");
    const config = path.join(home, "profile-config");
    await writeFile(config, "[default]\nregion = ap-south-1\n");
    const { AWS_REGION: _region, ...env } = awsTestEnv(motoEndpoint());
    const result = await node(CHECK, cleanEnv({ ...env, AWS_CONFIG_FILE: config }));
    expect(result).toMatchObject({ ok: true, details: { region: "ap-south-1" } });
  });

  it("no credentials anywhere → AuthenticationError (AWS Secrets Manager authentication failed)", async () => {
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _key, ...env } = awsTestEnv(motoEndpoint());
    const result = await node(CHECK, cleanEnv(env));
    expect(result).toMatchObject({ ok: false, name: "AuthenticationError", code: "AUTHENTICATION_FAILED" });
    expect(result.message).toMatch(
      /^AWS Secrets Manager authentication failed: no AWS credentials were found/,
    );
  });

  it("an invalid setting fails before any request, naming its variable", async () => {
    const result = await node(
      CHECK,
      cleanEnv({ ...awsTestEnv(motoEndpoint()), SECRET_AWS_RECOVERY_WINDOW_DAYS: "3" }),
    );
    expect(result).toMatchObject({
      ok: false,
      code: "INVALID_CONFIG",
      field: "SECRET_AWS_RECOVERY_WINDOW_DAYS",
    });
    expect(result.message).not.toContain(TEST_SECRET_ACCESS_KEY);
  });
});
