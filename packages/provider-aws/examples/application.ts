import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretConflictError, type SecretManager } from "@org/secrets-core";
import { createAwsProvider } from "@org/secrets-provider-aws";

/**
 * The application's secrets: `myapp/production/<NAME>` in AWS Secrets Manager.
 * Pass a client of your own for custom credentials, endpoint or retries;
 * without one, the provider builds one on first use.
 */
export function secretsProvider(prefix = "myapp/production", client?: SecretsManagerClient) {
  return createAwsProvider({
    prefix, // or SECRET_AWS_PREFIX with SECRET_PROVIDER=aws
    tags: { app: "myapp" }, // put on the secrets this provider creates
    recoveryWindowDays: 7, // a deleted secret can be restored for 7 days
    ...(client === undefined ? {} : { client }),
  });
}

/** At startup: every value the application needs, in one BatchGetSecretValue call. */
export async function loadConfig(secrets: SecretManager): Promise<{ databaseUrl: string; jwtKey: string }> {
  const values = await secrets.getSecrets(["DATABASE_URL", "JWT_SECRET_KEY"]);
  const databaseUrl = values.get("DATABASE_URL");
  const jwtKey = values.get("JWT_SECRET_KEY");
  if (databaseUrl === undefined || jwtKey === undefined)
    throw new Error("DATABASE_URL and JWT_SECRET_KEY must be set: run secrets init");
  return { databaseUrl, jwtKey };
}

/**
 * Replace a signing key, but only if nobody changed it since we read it; the
 * old value stays readable as `{ version: "previous" }` while tokens signed
 * with it expire.
 */
export async function rotateKey(
  secrets: SecretManager,
  name: string,
  next: string,
): Promise<"rotated" | "changed"> {
  const current = await secrets.getSecretRecord(name, { fresh: true });
  try {
    await secrets.setSecret(name, next, {
      ...(current?.version === undefined ? { ifAbsent: true } : { ifVersion: current.version }),
      metadata: { rotatedAt: new Date().toISOString() },
    });
    return "rotated";
  } catch (error) {
    if (error instanceof SecretConflictError) return "changed";
    throw error;
  }
}
