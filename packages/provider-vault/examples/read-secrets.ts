import { SecretManager } from "@org/secrets-core";
import { createVaultProvider } from "@org/secrets-provider-vault";

/**
 * Read the database URL at startup, logged in with AppRole credentials that
 * the platform mounts as files.
 */
export async function readDatabaseUrl(vaultUrl: string, credentialsDir: string): Promise<string> {
  const provider = await createVaultProvider({
    url: vaultUrl,
    auth: {
      method: "approle",
      roleIdFile: `${credentialsDir}/role-id`,
      secretIdFile: `${credentialsDir}/secret-id`,
    },
    prefix: "myapp",
  });
  const secrets = new SecretManager({ provider });
  try {
    return await secrets.getRequiredSecret("DATABASE_URL");
  } finally {
    await secrets.close(); // stops token renewal, closes kept-alive connections
  }
}
