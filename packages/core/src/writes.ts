/**
 * Writes: one secret (with the best-effort create of providers without
 * check-and-set), many at once (one `setMany` call where the provider has one),
 * deletes and restores. Each checks the value before anything is sent, and the
 * cache entry of each name written is dropped before and after the write.
 */
import { mapConcurrent } from "./concurrency.js";
import type { DeleteOptions, WriteEntry, WriteManyOptions, WriteOptions, WriteResult } from "./contract.js";
import { checkAnswerMap, DEFAULT_MAX_VALUE_BYTES, sizeProblem, valueProblem } from "./contract-check.js";
import {
  InvalidSecretValueError,
  isSecretError,
  NotSupportedError,
  ProviderInvalidError,
  SecretConfigError,
  SecretConflictError,
  type SecretError,
} from "./errors.js";
import type { SetOptions } from "./manager-options.js";
import { type ManagerParts, providerOf } from "./manager-parts.js";
import { assertValidSecretName } from "./names.js";
import { wrapError } from "./provider-error.js";
import { registerSecretValue } from "./redact.js";

/** `SecretManager.writeSecret`. */
export async function writeOne(
  parts: ManagerParts,
  name: string,
  value: string,
  options: SetOptions,
): Promise<WriteResult> {
  assertValidSecretName(name);
  const invalid = valueProblem(value);
  if (invalid !== undefined) throw new InvalidSecretValueError(undefined, { secret: name, reason: invalid });
  const provider = await providerOf(parts);
  const tooLarge = sizeProblem(value, provider.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES, provider.name);
  if (tooLarge !== undefined)
    throw new InvalidSecretValueError(undefined, { secret: name, reason: tooLarge });
  registerSecretValue(value);
  const { cache, deadline } = parts;
  const capabilities = parts.handle.capabilities();
  const { signal, metadata, ...rest } = options;
  cache.invalidate(name);
  try {
    return await parts.ops.call(
      "set",
      name,
      provider,
      signal,
      async () => {
        if (options.ifVersion !== undefined && !capabilities.checkAndSet)
          throw new NotSupportedError(undefined, {
            provider: provider.name,
            feature: "check-and-set writes (ifVersion)",
          });
        const writeOptions: WriteOptions = { ...rest };
        if (metadata && capabilities.metadata) writeOptions.metadata = metadata;
        if (options.ifAbsent && !capabilities.checkAndSet) {
          // Best effort for providers without atomic create: look first.
          delete writeOptions.ifAbsent;
          const existing = await deadline.run("get", name, (s) => provider.get(name, { signal: s }), signal);
          if (existing !== undefined)
            throw new SecretConflictError(`Secret '${name}' already exists`, {
              provider: provider.name,
              secret: name,
            });
        }
        const result = await deadline.run(
          "set",
          name,
          (s) => provider.set(name, value, { ...writeOptions, signal: s }),
          signal,
        );
        return result && typeof result === "object" && typeof result.version === "string"
          ? { version: result.version }
          : {};
      },
      undefined,
      [value],
    );
  } finally {
    cache.invalidate(name);
  }
}

/** The entries of one `setSecrets` call: an array of objects with distinct, valid names. */
function checkEntries(entries: readonly WriteEntry[]): void {
  if (!Array.isArray(entries))
    throw new SecretConfigError("setSecrets() takes an array of { name, value, options } entries", {
      field: "entries",
    });
  const seen = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== "object" || entry === null)
      throw new SecretConfigError("setSecrets() takes an array of { name, value, options } entries", {
        field: "entries",
      });
    assertValidSecretName(entry.name);
    if (seen.has(entry.name))
      throw new SecretConfigError(`Secret '${entry.name}' appears more than once in one setSecrets() call`, {
        field: entry.name,
      });
    seen.add(entry.name);
  }
}

/** `SecretManager.setSecrets`. */
export async function writeMany(
  parts: ManagerParts,
  entries: readonly WriteEntry[],
  options: WriteManyOptions,
): Promise<Map<string, WriteResult | SecretError>> {
  checkEntries(entries);
  const { signal } = options;
  // Every name in the order given, each given its outcome below.
  const outcomes = new Map<string, WriteResult | SecretError | undefined>();
  for (const { name } of entries) outcomes.set(name, undefined);
  const ordered = () => outcomes as Map<string, WriteResult | SecretError>;
  if (entries.length === 0) return ordered();
  const provider = await providerOf(parts);
  const capabilities = parts.handle.capabilities();
  const limit = provider.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;

  // The checks of writeSecret, per entry: a bad value fails its own entry and is never sent.
  const valid: WriteEntry[] = [];
  for (const entry of entries) {
    const { name, value } = entry;
    const problem = valueProblem(value) ?? sizeProblem(value, limit, provider.name);
    if (problem !== undefined) {
      outcomes.set(name, new InvalidSecretValueError(undefined, { secret: name, reason: problem }));
      continue;
    }
    registerSecretValue(value);
    valid.push(entry);
  }

  const checked = valid.some((e) => e.options?.ifAbsent || e.options?.ifVersion !== undefined);
  if (
    typeof provider.setMany !== "function" ||
    valid.length === 1 ||
    (checked && !capabilities.checkAndSet)
  ) {
    // One write per secret, through writeSecret: the same checks and best-effort create.
    await mapConcurrent(valid, parts.concurrency, async ({ name, value, options: each }) => {
      try {
        outcomes.set(name, await writeOne(parts, name, value, { ...each, signal }));
      } catch (error) {
        if (signal?.aborted && error === signal.reason) throw error;
        outcomes.set(name, wrapError(error, provider.name, "set", name, { values: [value] }));
      }
    });
    return ordered();
  }

  const { cache, ops } = parts;
  const setMany = provider.setMany.bind(provider);
  // Entries often share one options object (init's creates do): it becomes one provider options object.
  const sent = new Map<object | undefined, Omit<WriteOptions, "signal">>();
  const batch: WriteEntry[] = valid.map(({ name, value, options: each }) => {
    let writeOptions = sent.get(each);
    if (writeOptions === undefined) {
      writeOptions = {};
      if (each?.ifAbsent) writeOptions.ifAbsent = true;
      if (each?.ifVersion !== undefined) writeOptions.ifVersion = each.ifVersion;
      if (each?.metadata && capabilities.metadata) writeOptions.metadata = each.metadata;
      sent.set(each, writeOptions);
    }
    return { name, value, options: writeOptions };
  });
  const started = parts.now();
  for (const { name } of batch) cache.invalidate(name);
  try {
    let results: Map<string, unknown>;
    try {
      const answer: unknown = await parts.deadline.run(
        "set",
        "",
        (s) => setMany(batch, { signal: s }),
        signal,
        `set of ${batch.length} secrets`,
      );
      checkAnswerMap(answer, provider.name, "setMany");
      results = answer;
    } catch (error) {
      if (signal?.aborted && error === signal.reason) {
        for (const { name } of batch) ops.record("set", name, "aborted", started);
        throw error;
      }
      for (const { name, value } of batch) {
        const wrapped = wrapError(error, provider.name, "set", name, { values: [value] });
        ops.fail("set", name, wrapped, started);
        outcomes.set(name, wrapped);
      }
      return ordered();
    }
    const succeeded: string[] = [];
    for (const { name, value } of batch) {
      const outcome = results.get(name);
      if (
        outcome instanceof Error ||
        isSecretError(outcome) ||
        typeof outcome !== "object" ||
        outcome === null
      ) {
        const wrapped = wrapError(
          outcome instanceof Error || isSecretError(outcome)
            ? outcome
            : new ProviderInvalidError(undefined, {
                provider: provider.name,
                reason: `setMany() reported no outcome for '${name}'`,
              }),
          provider.name,
          "set",
          name,
          { values: [value] },
        );
        ops.fail("set", name, wrapped, started);
        outcomes.set(name, wrapped);
        continue;
      }
      outcomes.set(name, writeResultOf(outcome as WriteResult));
      succeeded.push(name);
    }
    ops.recordEach("set", succeeded, "success", started);
    return ordered();
  } finally {
    for (const { name } of batch) cache.invalidate(name);
  }
}

/**
 * What the caller gets for one written entry of a batch: the provider's
 * version when it is a string. A provider may compute versions only when they
 * are read (a version getter, as the env provider's HMAC tags): that getter is
 * then read when the caller first asks, not for every entry of the batch.
 */
function writeResultOf(outcome: WriteResult): WriteResult {
  const own = Object.getOwnPropertyDescriptor(outcome, "version");
  if (own === undefined || !own.get) {
    const version = outcome.version;
    return typeof version === "string" ? { version } : {};
  }
  let version: string | undefined;
  let known = false;
  return {
    get version() {
      if (!known) {
        known = true;
        try {
          const given = outcome.version;
          if (typeof given === "string") version = given;
        } catch {
          // A version that cannot be computed is no version.
        }
      }
      return version;
    },
  };
}

/** `SecretManager.deleteSecret`. */
export async function deleteOne(parts: ManagerParts, name: string, options: DeleteOptions): Promise<boolean> {
  assertValidSecretName(name);
  const provider = await providerOf(parts);
  const { signal, ...rest } = options;
  parts.cache.invalidate(name);
  try {
    const existed = await parts.ops.call(
      "delete",
      name,
      provider,
      signal,
      () => parts.deadline.run("delete", name, (s) => provider.delete(name, { ...rest, signal: s }), signal),
      (done) => (done ? "success" : "missing"),
    );
    return existed === true;
  } finally {
    parts.cache.invalidate(name);
  }
}

/** `SecretManager.restoreSecret`. */
export async function restoreOne(
  parts: ManagerParts,
  name: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  assertValidSecretName(name);
  const provider = await providerOf(parts);
  if (typeof provider.restore !== "function")
    throw new NotSupportedError(undefined, {
      provider: provider.name,
      feature: "restoring deleted secrets",
    });
  const restore = provider.restore.bind(provider);
  parts.cache.invalidate(name);
  await parts.ops.call("restore", name, provider, signal, () =>
    parts.deadline.run("restore", name, (s) => restore(name, { signal: s }), signal),
  );
}
