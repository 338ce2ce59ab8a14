import { SecretManager } from "@org/secrets-core";
import { createEnvProvider } from "@org/secrets-provider-env";

// The process environment first, then the file; writes edit the file in place.
export function createManager(file = ".env.local"): SecretManager {
  return new SecretManager({ provider: createEnvProvider({ path: file }) });
}

// Stored in a "# secrets: updated=… rotatedAt=…" comment line above the assignment.
export async function rotate(manager: SecretManager, name: string, value: string): Promise<Date | undefined> {
  await manager.setSecret(name, value, { metadata: { rotatedAt: new Date().toISOString() } });
  const record = await manager.getSecretRecord(name);
  return record?.updatedAt;
}
