import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import {
  createLogger,
  InvalidSecretNameError,
  InvalidSecretValueError,
  type Logger,
  NotSupportedError,
  REDACTED,
  type ResolvedCapabilities,
  SecretConfigError,
  SecretConflictError,
  SecretError,
  SecretManager,
  type SecretProvider,
  type SecretRecord,
  type SetOptions,
  silentLogger,
} from "@org/secrets-core";
import { checkProviderShape } from "@org/secrets-core/provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileValues } from "./hostile-values.js";

/** What the suite hands to `create`. */
export interface ConformanceContext {
  /**
   * A debug-level logger. Give it to the provider (as `ProviderContext.logger`)
   * so the canary check also covers what the provider itself logs.
   */
  logger: Logger;
}

export interface ProviderConformanceOptions {
  /** Shown in the suite's name, for example `env` or `acme-kv`. */
  name: string;
  /** A fresh provider. Called once per group of tests; the suite never shares one between groups. */
  create: (context: ConformanceContext) => SecretProvider | Promise<SecretProvider>;
  /** Called for every provider `create` returned, after the suite has deleted what it wrote and called `close()`. */
  cleanup?: ((provider: SecretProvider) => Promise<void> | void) | undefined;
  /**
   * Start of every secret name the suite uses (default `CONFORMANCE_`). A random
   * suffix is added per run, so the suite can run against a shared real backend.
   */
  namePrefix?: string | undefined;
}

type CapabilityName = keyof ResolvedCapabilities;
/** Groups by capability: `batchRead` and `list` run when the provider has `getMany` / `list`. */
const CAPABILITY_NAMES: readonly CapabilityName[] = [
  "batchRead",
  "list",
  "checkAndSet",
  "versions",
  "metadata",
];

/** The calls the shared tests make, against a raw provider or a manager around it. */
interface Client {
  /** `metadata`: ask for dates and metadata too (providers may leave out what costs a request). */
  get(name: string, options?: { metadata?: boolean }): Promise<SecretRecord | undefined>;
  set(
    name: string,
    value: string,
    options?: SetOptions,
  ): Promise<{ version?: string | undefined } | undefined>;
  delete(name: string): Promise<boolean>;
  check(): Promise<void>;
  getMany(names: readonly string[]): Promise<Map<string, SecretRecord>>;
  list(): Promise<string[]>;
  getVersion(name: string, version: string): Promise<string | undefined>;
}

type Mode = "provider" | "manager, cache off" | "manager, cache on";
const MODES: readonly Mode[] = ["provider", "manager, cache off", "manager, cache on"];

/**
 * Register the conformance suite for a provider with vitest. Call it at the top
 * level of a test file:
 *
 * ```ts
 * runProviderConformance({ name: "acme", create: ({ logger }) => createProvider({ env, cwd, logger }) });
 * ```
 *
 * It checks the contract's required behaviour through the raw provider and
 * through a `SecretManager` (cache off and on), then the capability groups the
 * provider has: `batchRead` (it has `getMany`), `list` (it has `list`), and the
 * declared `checkAndSet`, `versions`, `metadata`.
 * The first test's name lists which groups ran.
 */
export function runProviderConformance(options: ProviderConformanceOptions): void {
  const prefix = options.namePrefix ?? "CONFORMANCE_";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(prefix))
    throw new SecretConfigError(
      "namePrefix must be a valid secret name of at most 100 characters (letters, digits, underscores)",
      { field: "namePrefix" },
    );
  const runId = randomBytes(4).toString("hex").toUpperCase();
  let counter = 0;
  const uniqueName = () => `${prefix}${runId}_${++counter}`;

  describe(`secret provider conformance: ${options.name}`, async () => {
    const probe = await options.create({ logger: silentLogger });
    const announced = readCapabilities(probe);
    await probe.close?.();
    await options.cleanup?.(probe);
    const ran = CAPABILITY_NAMES.filter((c) => announced[c]);
    const notAnnounced = CAPABILITY_NAMES.filter((c) => !announced[c]);

    it(`capability groups run: ${ran.join(", ") || "none"}; not announced: ${notAnnounced.join(", ") || "none"}`, async () => {
      const provider = await options.create({ logger: silentLogger });
      try {
        expect(readCapabilities(provider), "capabilities must not change between instances").toEqual(
          announced,
        );
        await provider.check();
        expect(
          readCapabilities(provider),
          "capabilities are final once create() resolves: they must not change on use",
        ).toEqual(announced);
      } finally {
        await provider.close?.();
        await options.cleanup?.(provider);
      }
    });

    describe("shape", () => {
      const session = new Session(options, "provider", uniqueName);
      beforeAll(() => session.open());
      afterAll(() => session.close());

      it("has a name and the four required methods", () => {
        const provider = session.provider;
        expect(typeof provider.name).toBe("string");
        expect(provider.name.length).toBeGreaterThan(0);
        for (const method of ["get", "set", "delete", "check"] as const)
          expect(typeof provider[method], `${method}()`).toBe("function");
        if (provider.displayName !== undefined) expect(typeof provider.displayName).toBe("string");
        expect(() => checkProviderShape(provider, options.name)).not.toThrow();
      });

      it("announces capabilities as an object of booleans; batch reads and listing by having the methods", () => {
        const provider = session.provider;
        const capabilities = provider.capabilities;
        if (capabilities !== undefined) {
          expect(typeof capabilities).toBe("object");
          expect(capabilities).not.toBeNull();
          for (const [key, value] of Object.entries(capabilities))
            expect(typeof value, `capabilities.${key}`).toBe("boolean");
          for (const [flag, method] of [
            ["batchRead", "getMany()"],
            ["list", "list()"],
          ] as const)
            expect(flag in capabilities, `${flag} is not declared: having ${method} is the capability`).toBe(
              false,
            );
        }
        for (const optional of ["getMany", "list", "restore", "close"] as const) {
          if (provider[optional] !== undefined)
            expect(typeof provider[optional], `${optional}`).toBe("function");
        }
      });
    });

    for (const mode of MODES) {
      describe(`through the ${mode}`, () => {
        const session = new Session(options, mode, uniqueName);
        beforeAll(() => session.open());
        afterAll(() => session.close());
        const client = () => session.client;
        const name = () => session.name();

        it("get of a missing name resolves undefined, not an error", async () => {
          expect(await client().get(name())).toBeUndefined();
        });

        it("set then get returns the exact value", async () => {
          const n = name();
          await client().set(n, "first-value");
          const record = await client().get(n);
          expect(record?.value).toBe("first-value");
        });

        it("set overwrites an existing value", async () => {
          const n = name();
          await client().set(n, "before");
          await client().set(n, "after");
          expect((await client().get(n))?.value).toBe("after");
        });

        it("delete returns true, then false; get afterwards resolves undefined", async () => {
          const n = name();
          await client().set(n, "to-delete");
          expect(await client().delete(n)).toBe(true);
          expect(await client().get(n)).toBeUndefined();
          expect(await client().delete(n)).toBe(false);
          expect(await client().get(n)).toBeUndefined();
        });

        it("check() resolves", async () => {
          await expect(client().check()).resolves.toBeUndefined();
        });

        describe("hostile values round-trip byte-for-byte", () => {
          for (const { label, value } of hostileValues) {
            it(label, async () => {
              const n = name();
              await client().set(n, value);
              const record = await client().get(n);
              expect(typeof record?.value).toBe("string");
              expectSameString(record?.value as string, value);
              expect(await client().delete(n)).toBe(true);
            });
          }

          it("the empty string round-trips, or is refused with a SecretError and not stored", async () => {
            const n = name();
            let refused: unknown;
            try {
              await client().set(n, "");
            } catch (error) {
              refused = error;
            }
            if (refused === undefined) {
              const record = await client().get(n);
              expect(record, "an accepted empty value must be readable").toBeDefined();
              expect(record?.value).toBe("");
            } else {
              expect(refused, "refusing an empty value must be a SecretError").toBeInstanceOf(SecretError);
              expect(await client().get(n)).toBeUndefined();
            }
          });
        });

        if (announced.batchRead) {
          describe("capability: batchRead", () => {
            it("getMany with present and missing names returns exactly the present ones", async () => {
              const [a, b, missing] = [name(), name(), name()];
              await client().set(a, "value-a");
              await client().set(b, "value-b\nsecond line");
              const found = await client().getMany([a, missing, b]);
              expect(found).toBeInstanceOf(Map);
              expect([...found.keys()].sort()).toEqual([a, b].sort());
              expect(found.get(a)?.value).toBe("value-a");
              expect(found.get(b)?.value).toBe("value-b\nsecond line");
            });
          });
        }

        if (announced.list) {
          describe("capability: list", () => {
            it("written names appear in list() and deleted ones disappear", async () => {
              const [a, b] = [name(), name()];
              await client().set(a, "listed-a");
              await client().set(b, "listed-b");
              const before = await client().list();
              expect(before).toEqual(expect.arrayContaining([a, b]));
              await client().delete(a);
              const after = await client().list();
              expect(after).not.toContain(a);
              expect(after).toContain(b);
            });
          });
        }

        if (announced.checkAndSet) {
          describe("capability: checkAndSet", () => {
            it("ifAbsent on an existing secret throws SecretConflictError and keeps the value", async () => {
              const n = name();
              await client().set(n, "original");
              const error = await client()
                .set(n, "intruder", { ifAbsent: true })
                .then(
                  () => undefined,
                  (e: unknown) => e,
                );
              expect(error).toBeInstanceOf(SecretConflictError);
              expect((error as SecretError).code).toBe("CONFLICT");
              expect((await client().get(n))?.value).toBe("original");
            });

            it("ifAbsent on a new secret creates it", async () => {
              const n = name();
              await client().set(n, "created", { ifAbsent: true });
              expect((await client().get(n))?.value).toBe("created");
            });

            it("ifVersion with a stale version throws SecretConflictError; with the current one it writes", async () => {
              const n = name();
              const stale = await versionAfterWrite(client(), n, "version-one");
              await client().set(n, "version-two");
              const error = await client()
                .set(n, "version-three", { ifVersion: stale })
                .then(
                  () => undefined,
                  (e: unknown) => e,
                );
              expect(error).toBeInstanceOf(SecretConflictError);
              expect((await client().get(n))?.value).toBe("version-two");
              const current = (await client().get(n))?.version;
              expect(current, "records must carry a version for ifVersion").toEqual(expect.any(String));
              await client().set(n, "version-four", { ifVersion: current as string });
              expect((await client().get(n))?.value).toBe("version-four");
            });

            it("8 concurrent ifAbsent creates of one name: exactly one wins", async () => {
              const n = name();
              const results = await Promise.allSettled(
                Array.from({ length: 8 }, (_, i) => client().set(n, `contender-${i}`, { ifAbsent: true })),
              );
              const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
              expect(winners).toHaveLength(1);
              for (const r of results) {
                if (r.status === "rejected") expect(r.reason).toBeInstanceOf(SecretConflictError);
              }
              expect((await client().get(n))?.value).toBe(`contender-${winners[0]}`);
            });
          });
        }

        if (announced.versions) {
          describe("capability: versions", () => {
            it('after two writes, get(name, { version: "previous" }) returns the first value', async () => {
              const n = name();
              await client().set(n, "earlier value");
              await client().set(n, "later value");
              expect(await client().getVersion(n, "previous")).toBe("earlier value");
              expect((await client().get(n))?.value).toBe("later value");
            });
          });
        }

        if (announced.metadata) {
          describe("capability: metadata", () => {
            it("metadata written with a value comes back, with updatedAt as a Date", async () => {
              const n = name();
              const metadata = { rotatedAt: "2026-01-02T03:04:05.000Z", owner: "conformance" };
              await client().set(n, "with-metadata", { metadata });
              const record = await client().get(n, { metadata: true });
              expect(record?.value).toBe("with-metadata");
              expect(record?.metadata).toMatchObject(metadata);
              expect(record?.updatedAt).toBeInstanceOf(Date);
              expect(Number.isNaN(record?.updatedAt?.getTime())).toBe(false);
            });
          });
        }
      });
    }

    describe("errors", () => {
      const session = new Session(options, "provider", uniqueName);
      beforeAll(() => session.open());
      afterAll(() => session.close());

      it("the manager rejects invalid names before the provider sees them", async () => {
        const { provider, calls } = countingProxy(session.provider);
        const manager = new SecretManager({ provider, cacheTtlMs: 0 });
        const attempts: Array<Promise<unknown>> = [
          manager.getSecret("1STARTS_WITH_DIGIT"),
          manager.setSecret("has space", "v"),
          manager.deleteSecret("dash-ed"),
          manager.getSecrets([session.name(), "new\nline"]),
          manager.getSecretRecord(""),
        ];
        for (const attempt of attempts) {
          const error = await attempt.then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(InvalidSecretNameError);
          expect((error as SecretError).code).toBe("INVALID_NAME");
        }
        expect(calls).toEqual({});
      });

      it("a value that is not a string is refused with a SecretError before the provider sees it", async () => {
        const { provider, calls } = countingProxy(session.provider);
        const manager = new SecretManager({ provider, cacheTtlMs: 0 });
        await expect(manager.setSecret(session.name(), 42 as unknown as string)).rejects.toBeInstanceOf(
          InvalidSecretValueError,
        );
        expect(calls.set ?? 0).toBe(0);
      });

      it("operations the provider does not announce fail with NotSupportedError", async () => {
        const manager = new SecretManager({ provider: session.provider, cacheTtlMs: 0 });
        const n = session.name();
        if (!announced.versions)
          await expect(manager.getSecret(n, { version: "previous" })).rejects.toBeInstanceOf(
            NotSupportedError,
          );
        if (!announced.list) await expect(manager.listSecrets()).rejects.toBeInstanceOf(NotSupportedError);
        if (!announced.checkAndSet)
          await expect(manager.setSecret(n, "v", { ifVersion: "any" })).rejects.toBeInstanceOf(
            NotSupportedError,
          );
        // Whatever it announces, a read through the manager never fails with a raw error.
        await expect(manager.getSecret(n)).resolves.toBeUndefined();
      });

      it("failures reaching the caller are SecretErrors, never raw errors", async () => {
        const n = session.name();
        const provider = session.provider;
        const failures: unknown[] = [];
        const attempt = async (call: () => Promise<unknown>) => {
          try {
            await call();
          } catch (error) {
            failures.push(error);
          }
        };
        if (announced.checkAndSet) {
          await provider.set(n, "exists");
          await attempt(() => provider.set(n, "again", { ifAbsent: true }));
          await attempt(() => provider.set(n, "again", { ifVersion: "not-a-version-this-provider-made" }));
          expect(failures.length, "both check-and-set writes must fail").toBe(2);
        }
        if (announced.versions) await attempt(() => provider.get(n, { version: "no-such-version-0" }));
        for (const failure of failures) expect(failure).toBeInstanceOf(SecretError);
      });
    });

    describe("errors echo no value", () => {
      const session = new Session(options, "provider", uniqueName);
      beforeAll(() => session.open());
      afterAll(() => session.close());

      it("errors provoked around a canary value carry it nowhere: message, stack, JSON, inspect, cause chain", async () => {
        const stored = `canary-${randomBytes(12).toString("hex")}`;
        const attempted = `canary-${randomBytes(12).toString("hex")}`;
        const provider = session.provider;
        const n = session.name();
        const failures: Array<{ what: string; error: unknown }> = [];
        const attempt = async (what: string, call: () => Promise<unknown>) => {
          try {
            await call();
          } catch (error) {
            failures.push({ what, error });
          }
        };
        await provider.set(n, stored);
        if (announced.checkAndSet) {
          await attempt("set ifAbsent on an existing secret", () =>
            provider.set(n, attempted, { ifAbsent: true }),
          );
          await attempt("set ifVersion with a made-up version", () =>
            provider.set(n, attempted, { ifVersion: "not-a-version-this-provider-made" }),
          );
        }
        if (announced.versions)
          await attempt("get of a made-up version", () => provider.get(n, { version: "no-such-version-0" }));
        // Names the manager would refuse, sent to the provider directly: refused or not, nothing echoes the value.
        for (const bad of [`${n}_WITH SPACE`, `${n}_${"N".repeat(600)}`]) {
          session.remember(bad);
          await attempt(`set of the name ${bad.slice(0, 40)}…`, () => provider.set(bad, attempted));
        }
        const max = (provider as { maxValueBytes?: unknown }).maxValueBytes;
        if (typeof max === "number" && Number.isInteger(max) && max > 0 && max <= 4 * 1024 * 1024)
          await attempt("set of a value over maxValueBytes", () =>
            provider.set(n, `${attempted}${"x".repeat(max)}`),
          );
        // And through a manager: what reaches the caller after core's wrapping.
        const manager = new SecretManager({ provider, cacheTtlMs: 0 });
        if (announced.checkAndSet)
          await attempt("manager set ifAbsent on an existing secret", () =>
            manager.setSecret(n, attempted, { ifAbsent: true }),
          );

        for (const { what, error } of failures) {
          const text = describeError(error);
          for (const secret of [stored, attempted])
            expect(text.includes(secret), `${what}: the error echoes the value`).toBe(false);
        }
      });
    });

    describe("canary", () => {
      const lines: string[] = [];
      const logger = createLogger({ level: "debug", write: (line) => lines.push(line) });
      const session = new Session(options, "manager, cache on", uniqueName, logger);
      beforeAll(() => session.open());
      afterAll(() => session.close());

      it("a secret value appears in no log line or error message, even at debug level", async () => {
        const canary = `canary-${randomBytes(12).toString("hex")}`;
        const replacement = `canary-${randomBytes(12).toString("hex")}`;
        const n = session.name();
        const c = session.client;
        const errors: unknown[] = [];
        await c.set(n, canary);
        expect((await c.get(n))?.value).toBe(canary);
        await c.set(n, replacement);
        expect((await c.get(n))?.value).toBe(replacement);
        if (announced.batchRead)
          expect((await c.getMany([n, session.name()])).get(n)?.value).toBe(replacement);
        if (announced.list) expect(await c.list()).toContain(n);
        if (announced.checkAndSet)
          await c.set(n, canary, { ifAbsent: true }).catch((e: unknown) => errors.push(e));
        if (announced.versions) expect(await c.getVersion(n, "previous")).toBe(canary);
        await c.check();
        expect(await c.delete(n)).toBe(true);
        expect(await c.get(n)).toBeUndefined();

        expect(lines.length, "the manager logs every operation at debug level").toBeGreaterThan(0);
        const messages = errors.map((e) =>
          e instanceof Error ? `${e.message} ${String(e.stack)}` : String(e),
        );
        for (const text of [...lines, ...messages]) {
          for (const secret of [canary, replacement]) expect(text).not.toContain(secret);
          // The logger masks values it knows; a mask means something tried to log one.
          expect(text).not.toContain(REDACTED);
        }
      });
    });
  });
}

/** Everything a person or a log could see of an error: message, stack, JSON, inspect output, cause chain. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (
    let depth = 0;
    depth < 10 && current !== undefined && current !== null && !seen.has(current);
    depth++
  ) {
    seen.add(current);
    if (current instanceof Error) parts.push(current.message, String(current.stack));
    else parts.push(String(current));
    try {
      parts.push(JSON.stringify(current) ?? "");
    } catch {
      // Circular or otherwise unserialisable: inspect below still shows its fields.
    }
    parts.push(inspect(current, { depth: 8, breakLength: Number.POSITIVE_INFINITY }));
    current = typeof current === "object" ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join("\n");
}

/** Declared capabilities (`true` only when announced as `true`), and `batchRead` / `list` by method presence. */
function readCapabilities(provider: SecretProvider): ResolvedCapabilities {
  const declared: Partial<Record<string, unknown>> =
    typeof provider?.capabilities === "object" && provider.capabilities !== null ? provider.capabilities : {};
  return {
    batchRead: typeof provider?.getMany === "function",
    list: typeof provider?.list === "function",
    checkAndSet: declared.checkAndSet === true,
    versions: declared.versions === true,
    metadata: declared.metadata === true,
  };
}

/** Compare strings so a failure shows where they differ, not two 4 KiB blobs. */
function expectSameString(actual: string, expected: string): void {
  if (actual === expected) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  expect.fail(
    `value differs at UTF-16 index ${at} (lengths ${actual.length} vs ${expected.length}): ` +
      `got ${JSON.stringify(actual.slice(at, at + 16))}, expected ${JSON.stringify(expected.slice(at, at + 16))}`,
  );
}

async function versionAfterWrite(client: Client, name: string, value: string): Promise<string> {
  const result = await client.set(name, value);
  const version = result?.version ?? (await client.get(name))?.version;
  if (typeof version !== "string")
    expect.fail("a checkAndSet provider must report versions: in set()'s result or in get()'s record");
  return version;
}

/** A provider wrapper that counts calls of each method. */
function countingProxy(target: SecretProvider): { provider: SecretProvider; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const provider = new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        if (["get", "set", "delete", "getMany", "list"].includes(property))
          calls[property] = (calls[property] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return { provider, calls };
}

/** One provider (from `create`) and a client over it, plus the names it wrote, for cleanup. */
class Session {
  #provider: SecretProvider | undefined;
  #client: Client | undefined;
  readonly #written = new Set<string>();

  constructor(
    private readonly options: ProviderConformanceOptions,
    private readonly mode: Mode,
    private readonly uniqueName: () => string,
    private readonly logger: Logger = silentLogger,
  ) {}

  get provider(): SecretProvider {
    if (!this.#provider) expect.fail("the provider was not created (see the error of the beforeAll hook)");
    return this.#provider;
  }

  get client(): Client {
    if (!this.#client) expect.fail("the provider was not created (see the error of the beforeAll hook)");
    return this.#client;
  }

  /** Delete this name afterwards too (a name the suite wrote without `name()`). */
  remember(name: string): void {
    this.#written.add(name);
  }

  /** A unique name, remembered so it is deleted afterwards. */
  name(): string {
    const name = this.uniqueName();
    this.#written.add(name);
    return name;
  }

  async open(): Promise<void> {
    const provider = await this.options.create({ logger: this.logger });
    this.#provider = provider;
    if (this.mode === "provider") {
      this.#client = rawClient(provider);
      return;
    }
    const manager = new SecretManager({
      provider,
      logger: this.logger,
      ...(this.mode === "manager, cache off" ? { cacheTtlMs: 0 } : { cacheTtlMs: 300_000 }),
    });
    this.#client = managerClient(manager);
  }

  async close(): Promise<void> {
    const provider = this.#provider;
    if (!provider) return;
    try {
      for (const name of this.#written) await provider.delete(name).catch(() => false);
      await provider.close?.();
    } finally {
      await this.options.cleanup?.(provider);
    }
  }
}

function rawClient(provider: SecretProvider): Client {
  const optional = <K extends "getMany" | "list">(method: K) => {
    const fn = provider[method];
    if (typeof fn !== "function") expect.fail(`the provider announces a capability but has no ${method}()`);
    return fn.bind(provider) as NonNullable<SecretProvider[K]>;
  };
  return {
    get: (name, options) => provider.get(name, options),
    set: async (name, value, options) => (await provider.set(name, value, options)) ?? undefined,
    delete: (name) => provider.delete(name),
    check: async () => {
      await provider.check();
    },
    getMany: (names) => optional("getMany")(names),
    list: () => optional("list")(),
    getVersion: async (name, version) => (await provider.get(name, { version }))?.value,
  };
}

function managerClient(manager: SecretManager): Client {
  return {
    get: (name, options) => manager.getSecretRecord(name, options),
    set: async (name, value, options) => {
      expect(await manager.setSecret(name, value, options)).toBe(true);
      return undefined;
    },
    delete: (name) => manager.deleteSecret(name),
    check: async () => {
      const result = await manager.checkProvider();
      if (!result.ok) throw result.error;
    },
    getMany: (names) => manager.getSecretRecords(names),
    list: () => manager.listSecrets(),
    getVersion: (name, version) => manager.getSecret(name, { version }),
  };
}
