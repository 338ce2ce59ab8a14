import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SecretsManagerClient, type SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import { motoEnv } from "@org/secrets-test-support";
import { inject } from "vitest";

const run = promisify(execFile);

/** The dummy secret access key every test uses; it must never show up in output. */
export const TEST_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTESTONLYKEY";
export const TEST_ACCESS_KEY_ID = "AKIATESTONLY00000000";
export const REGION = "us-east-1";

export const PACKAGE_DIR = fileURLToPath(new URL("../../", import.meta.url));
export const REPO_ROOT = path.resolve(PACKAGE_DIR, "../..");

/** The environment that points the SDK (and boto3) at moto, with this package's dummy keys. */
export function awsTestEnv(endpoint: string): Record<string, string> {
  return {
    ...motoEnv(endpoint),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: TEST_SECRET_ACCESS_KEY,
  };
}

export function motoEndpoint(): string {
  return inject("motoEndpoint");
}

/** A name prefix of this test's own, so test files running in parallel never see each other's secrets. */
export function uniquePrefix(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

export interface CountingClient {
  client: SecretsManagerClient;
  /** HTTP requests sent (every attempt, retries included), by operation name. */
  counts: Map<string, number>;
  count(operation: string): number;
  total(): number;
  reset(): void;
}

/**
 * A client whose middleware counts every HTTP request it sends, by operation.
 * The counter sits at the `deserialize` step, below the retry middleware, so a
 * retried request counts once per attempt.
 */
export function countingClient(config: SecretsManagerClientConfig = {}): CountingClient {
  const client = new SecretsManagerClient({ region: REGION, ...config });
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? "unknown").replace(/Command$/, "");
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      return next(args);
    },
    { step: "deserialize", name: "testRequestCounter" },
  );
  return {
    client,
    counts,
    count: (operation) => counts.get(operation) ?? 0,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => counts.clear(),
  };
}

/** Run a Python script that uses boto3 against moto; resolves its stdout. */
export async function boto3(script: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(inject("python"), ["-c", script], {
    // boto3 reads AWS_DEFAULT_REGION, not AWS_REGION.
    env: { ...process.env, ...awsTestEnv(inject("motoEndpoint")), AWS_DEFAULT_REGION: REGION, ...extraEnv },
    timeout: 60_000,
  });
  return stdout;
}
