// One provider under test and the client the shared tests call it through:
// the raw provider, or a `SecretManager` around it with the cache off or on.
import {
  type Logger,
  SecretManager,
  type SecretProvider,
  type SecretRecord,
  type SetOptions,
  silentLogger,
} from "@org/secrets-core";
import { expect } from "vitest";
import type { ProviderConformanceOptions } from "./options.js";

/** The calls the shared tests make, against a raw provider or a manager around it. */
export interface Client {
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

export type Mode = "provider" | "manager, cache off" | "manager, cache on";
export const MODES: readonly Mode[] = ["provider", "manager, cache off", "manager, cache on"];

/** One provider (from `create`) and a client over it, plus the names it wrote, for cleanup. */
export class Session {
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
