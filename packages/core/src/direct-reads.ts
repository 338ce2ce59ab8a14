/**
 * Reads past the cache, never stored in it: an earlier version of a secret, or
 * records with their metadata (one `getMany` where the provider has one).
 */
import { mapConcurrent } from "./concurrency.js";
import type { ReadOptions, SecretRecord } from "./contract.js";
import { checkAnswerMap, ownRecord } from "./contract-check.js";
import { NotSupportedError } from "./errors.js";
import { type ManagerParts, providerOf } from "./manager-parts.js";
import { registerSecretValue } from "./redact.js";

/** A read past the cache: an earlier version, or the record with its metadata. Never cached. */
export async function readDirect(
  parts: ManagerParts,
  name: string,
  options: { version?: string | undefined; metadata?: boolean | undefined },
): Promise<SecretRecord | undefined> {
  const { version } = options;
  const provider = await providerOf(parts);
  return parts.ops.call(
    "get",
    name,
    provider,
    undefined,
    async () => {
      if (version !== undefined && !parts.handle.capabilities().versions)
        throw new NotSupportedError(undefined, {
          provider: provider.name,
          feature: "reading earlier versions",
        });
      const read: ReadOptions = {};
      if (version !== undefined) read.version = version;
      if (options.metadata === true) read.metadata = true;
      const answer: unknown = await parts.deadline.run("get", name, (signal) =>
        provider.get(name, { ...read, signal }),
      );
      const record = ownRecord(answer, provider.name, name);
      if (record) registerSecretValue(record.value);
      return record;
    },
    (record) => (record ? "success" : "missing"),
  );
}

/**
 * Records with their metadata, past the cache (never stored in it): one
 * `getMany` where the provider has one, else reads with bounded concurrency.
 */
export async function readManyDirect(
  parts: ManagerParts,
  names: readonly string[],
): Promise<Map<string, SecretRecord>> {
  const out = new Map<string, SecretRecord>();
  if (names.length === 0) return out;
  const provider = await providerOf(parts);
  if (
    !parts.handle.capabilities().batchRead ||
    typeof provider.getMany !== "function" ||
    names.length === 1
  ) {
    const records = await mapConcurrent(names, parts.concurrency, (name) =>
      readDirect(parts, name, { metadata: true }),
    );
    names.forEach((name, i) => {
      const record = records[i];
      if (record) out.set(name, record);
    });
    return out;
  }
  const getMany = provider.getMany.bind(provider);
  const label = `get_many of ${names.length} secrets`;
  return parts.ops.call("get_many", "", provider, undefined, async () => {
    const found = await parts.deadline.run(
      "get_many",
      "",
      (signal) => getMany(names, { metadata: true, signal }),
      undefined,
      label,
    );
    checkAnswerMap(found, provider.name, "getMany");
    for (const name of names) {
      const record = ownRecord(found.get(name), provider.name, name);
      if (record) {
        registerSecretValue(record.value);
        out.set(name, record);
      }
    }
    return out;
  });
}
