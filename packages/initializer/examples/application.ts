import { getRequiredSecret, getSecretManager } from "@org/secrets-core";
import { getSecretInitializer, type HealthReport, startupApplication } from "@org/secrets-initializer";

/** Call once, before serving traffic. Returns what the application needs to connect. */
export async function boot(): Promise<string> {
  // In production (NODE_ENV or ENVIRONMENT = production, or FORCE_SECRET_INIT=1) this creates
  // the missing secrets first. It throws "Required secret 'DATABASE_URL' not found" when the
  // application cannot start, and the provider's own error when the provider cannot be used.
  const { health, initialized } = await startupApplication();
  getSecretManager().logger.info("secrets ready", { status: health.status, initialized });
  return getRequiredSecret("DATABASE_URL");
}

/** A readiness probe: 503 while a required secret is missing or the provider is down. */
export async function readiness(): Promise<{ status: number; body: HealthReport }> {
  const report = await getSecretInitializer().healthCheck();
  return { status: report.status === "unhealthy" ? 503 : 200, body: report };
}

/** A scheduled job: rotate the signing keys, never overwriting a concurrent change. */
export async function rotateSigningKeys(): Promise<boolean> {
  const result = await getSecretInitializer().rotateSecrets(["SECRET_KEY", "JWT_SECRET_KEY"]);
  for (const secret of result.secrets) {
    getSecretManager().logger.info("secret rotation", { name: secret.name, action: secret.action });
  }
  return result.ok;
}
