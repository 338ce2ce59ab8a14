/**
 * `createProvider({ env })` takes its endpoint, region and credentials from the
 * environment it is given, not from the process: a provider pointed at moto by
 * its context reads and writes there while the process points elsewhere, or
 * nowhere. A proxy in front of moto shows which keys signed each request.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { silentLogger } from "@org/secrets-core";
import { type ProviderContext, SecretConfigError } from "@org/secrets-core/provider";
import { HostileProxy, Recorder } from "@org/secrets-test-support";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AWS_CONTEXT_ENV, type AwsSecretsManagerProvider, createProvider } from "../src/index.js";
import { countingClient, motoEndpoint, uniquePrefix } from "./support/aws.js";

const CONTEXT_KEY_ID = "AKIACONTEXTONLY00000";
const CONTEXT_SECRET = "context-only-secret-access-key-0123456789";
const PROCESS_KEY_ID = "AKIAPROCESSWRONG0000";

const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });
const elsewhere = new Recorder({ status: 500 });
let home = "";
let saved: Record<string, string | undefined> = {};
const open: AwsSecretsManagerProvider[] = [];

beforeAll(async () => {
  await proxy.start();
  await elsewhere.start();
  home = await mkdtemp(path.join(tmpdir(), "provider-aws-context-"));
});
afterAll(async () => {
  await proxy.stop();
  await elsewhere.stop();
  await rm(home, { recursive: true, force: true });
});
beforeEach(() => {
  saved = {};
  for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) saved[name] = process.env[name];
  proxy.forward().resetCounts();
  elsewhere.reset();
});
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
  for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
  for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
});

/** The process environment points at another server, with other keys, another region and a profile. */
function processPointsElsewhere(): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: elsewhere.url,
    AWS_ENDPOINT_URL: elsewhere.url,
    AWS_ACCESS_KEY_ID: PROCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: "process-wrong-secret-access-key",
    AWS_REGION: "eu-west-3",
  });
}

/** The process environment holds no AWS settings at all (nothing to fall back to). */
function processPointsNowhere(): void {
  for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
  Object.assign(process.env, {
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: path.join(home, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "no-credentials"),
  });
}

async function provider(env: Record<string, string>): Promise<AwsSecretsManagerProvider> {
  const context = { env, cwd: process.cwd(), logger: silentLogger, timeoutMs: 10_000 } as ProviderContext;
  const created = await createProvider(context);
  open.push(created);
  return created;
}

/** The access key id in each request's signature. */
function signedBy(): string[] {
  return proxy.requests.map(
    (r) => /Credential=([A-Z0-9]+)\//.exec(String(r.headers.authorization))?.[1] ?? "",
  );
}

function contextEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.url,
    AWS_ACCESS_KEY_ID: CONTEXT_KEY_ID,
    AWS_SECRET_ACCESS_KEY: CONTEXT_SECRET,
    SECRET_AWS_PREFIX: prefix,
    ...extra,
  };
}

/** What moto holds, read directly (not through the provider). */
async function stored(id: string): Promise<string | undefined> {
  const direct = countingClient({
    endpoint: motoEndpoint(),
    credentials: { accessKeyId: "AKIADIRECT0000000000", secretAccessKey: "direct-secret" },
  });
  try {
    const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    const answer = await direct.client.send(new GetSecretValueCommand({ SecretId: id }));
    return answer.SecretString;
  } catch {
    return undefined;
  } finally {
    direct.client.destroy();
  }
}

describe("an AWS provider configured by its context's environment", () => {
  for (const [label, setProcess] of [
    ["the process points elsewhere", processPointsElsewhere],
    ["the process has no AWS settings", processPointsNowhere],
  ] as const) {
    it(`writes and reads at the context's endpoint with the context's keys when ${label}`, async () => {
      setProcess();
      const prefix = uniquePrefix("context");
      const p = await provider(contextEnv(prefix));
      expect(p.region).toBe("us-east-1");
      await p.set("DATABASE_URL", "postgres://context");
      expect((await p.get("DATABASE_URL"))?.value).toBe("postgres://context");
      expect(proxy.countRequests().byKey).toEqual({ DescribeSecret: 1, CreateSecret: 1, GetSecretValue: 1 });
      expect(signedBy()).toEqual([CONTEXT_KEY_ID, CONTEXT_KEY_ID, CONTEXT_KEY_ID]);
      expect(elsewhere.connections).toBe(0);
      expect(await stored(`${prefix}/DATABASE_URL`)).toBe("postgres://context");
    });
  }

  it("AWS_ENDPOINT_URL serves when the service's own variable is not set", async () => {
    processPointsElsewhere();
    const prefix = uniquePrefix("context-global");
    const { AWS_ENDPOINT_URL_SECRETS_MANAGER: _, ...env } = contextEnv(prefix);
    const p = await provider({ ...env, AWS_ENDPOINT_URL: proxy.url });
    await p.set("SECRET_KEY", "via-global-endpoint");
    expect(proxy.countRequests().byKey).toEqual({ DescribeSecret: 1, CreateSecret: 1 });
    expect(elsewhere.connections).toBe(0);
    expect(await stored(`${prefix}/SECRET_KEY`)).toBe("via-global-endpoint");
  });

  it("AWS_SESSION_TOKEN from the context is sent with the context's keys", async () => {
    processPointsElsewhere();
    process.env.AWS_SESSION_TOKEN = "process-session-token";
    const p = await provider(
      contextEnv(uniquePrefix("context-session"), { AWS_SESSION_TOKEN: "ctx-session-token" }),
    );
    expect(await p.get("ABSENT")).toBeUndefined();
    expect(proxy.requests.map((r) => r.headers["x-amz-security-token"])).toEqual(["ctx-session-token"]);
    expect(signedBy()).toEqual([CONTEXT_KEY_ID]);
  });

  it("AWS_PROFILE from the context picks the profile (its file stays the process's)", async () => {
    processPointsNowhere();
    const credentials = path.join(home, "credentials");
    await writeFile(
      credentials,
      "[default]\naws_access_key_id = AKIADEFAULTPROFILE00\naws_secret_access_key = default-secret\n\n[context-profile]\naws_access_key_id = AKIACONTEXTPROFILE00\naws_secret_access_key = profile-secret\n",
    );
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    const {
      AWS_ACCESS_KEY_ID: _id,
      AWS_SECRET_ACCESS_KEY: _secret,
      ...env
    } = contextEnv(uniquePrefix("ctx-profile"));
    const p = await provider({ ...env, AWS_PROFILE: "context-profile" });
    expect(await p.get("ABSENT")).toBeUndefined();
    expect(signedBy()).toEqual(["AKIACONTEXTPROFILE00"]);
  });

  it("without keys in the context, the process's credential chain is used", async () => {
    processPointsNowhere();
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: PROCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: "process-secret",
    });
    const {
      AWS_ACCESS_KEY_ID: _id,
      AWS_SECRET_ACCESS_KEY: _secret,
      ...env
    } = contextEnv(uniquePrefix("ctx-chain"));
    const p = await provider(env);
    expect(await p.get("ABSENT")).toBeUndefined();
    expect(signedBy()).toEqual([PROCESS_KEY_ID]);
  });

  it("a context without an endpoint does not use the process's endpoint", async () => {
    processPointsElsewhere();
    const { AWS_ENDPOINT_URL_SECRETS_MANAGER: _, ...env } = contextEnv(uniquePrefix("ctx-no-endpoint"));
    const p = await provider({ ...env, SECRET_AWS_REQUEST_TIMEOUT: "1" });
    // Wherever the default endpoint is (or is not) reachable from here, the process's one hears nothing.
    await p.get("ABSENT", { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
    expect(elsewhere.connections).toBe(0);
    expect(proxy.requests).toEqual([]);
  });

  it("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true in the context ignores its endpoints and the process's", async () => {
    processPointsElsewhere();
    const p = await provider(
      contextEnv(uniquePrefix("ctx-ignore"), {
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
        SECRET_AWS_REQUEST_TIMEOUT: "1",
      }),
    );
    await p.get("ABSENT", { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
    expect(elsewhere.connections).toBe(0);
    expect(proxy.requests).toEqual([]);
  });

  for (const missing of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
    it(`a context with keys but no ${missing} is a configuration error that names it and repeats no key`, async () => {
      processPointsElsewhere();
      const env = contextEnv(uniquePrefix("ctx-half"));
      delete env[missing];
      const error = await provider(env).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretConfigError);
      expect((error as SecretConfigError).field).toBe(missing);
      expect((error as Error).message).not.toContain(CONTEXT_KEY_ID);
      expect((error as Error).message).not.toContain(CONTEXT_SECRET);
      expect(proxy.requests).toEqual([]);
      expect(elsewhere.connections).toBe(0);
    });
  }

  it("the process environment itself leaves everything to the SDK's default chain", async () => {
    processPointsNowhere();
    const prefix = uniquePrefix("ctx-process");
    Object.assign(process.env, contextEnv(prefix));
    const p = await provider(process.env as Record<string, string>);
    await p.set("SECRET_KEY", "via-process-env");
    expect(signedBy()).toEqual([CONTEXT_KEY_ID, CONTEXT_KEY_ID]);
    expect(await stored(`${prefix}/SECRET_KEY`)).toBe("via-process-env");
  });

  it("lists exactly which variables come from the context", () => {
    expect([...AWS_CONTEXT_ENV].sort()).toEqual(
      [
        "AWS_ACCESS_KEY_ID",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
      ].sort(),
    );
  });
});
