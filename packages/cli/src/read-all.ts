import type { SecretError, SecretManager } from "@org/secrets-core";

/** Every name's value, or its own error (see `SecretManager.getSecretRecordsSettled`); throws only when nothing could be read. */
export async function readAll(
  manager: SecretManager,
  names: readonly string[],
): Promise<{ found: Map<string, string>; failed: Map<string, SecretError> }> {
  if (names.length === 0) return { found: new Map(), failed: new Map() };
  const { records, errors, failure } = await manager.getSecretRecordsSettled(names);
  if (failure !== undefined) throw failure;
  const found = new Map<string, string>();
  for (const [name, record] of records) found.set(name, record.value);
  return { found, failed: errors };
}
