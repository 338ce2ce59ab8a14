// The provider: the contract's methods over the environment and the dotenv file, and its factories.

import {
  type CheckOptions,
  type DeleteOptions,
  NotSupportedError,
  type ProviderCapabilities,
  type ProviderContext,
  type ProviderStatus,
  type ReadOptions,
  SecretConfigError,
  type SecretProvider,
  type SecretRecord,
  valueVersion,
  type WriteEntry,
  type WriteManyOptions,
  type WriteManyResult,
  type WriteOptions,
  type WriteResult,
} from "@org/secrets-core/provider";
import { type DotenvDocument, formatDotenvLine } from "@org/secrets-exporters/dotenv";
import { parseAnnotation, validateMetadata } from "./annotation.js";
import { checkDotenvFile } from "./check.js";
import {
  appendWrites,
  applyWrite,
  type PreparedWrite,
  refusal,
  type WriteContext,
} from "./document-writes.js";
import { DotenvFile } from "./dotenv-file.js";
import { EnvironmentOverlay } from "./environment.js";
import { editLocked } from "./locked-write.js";
import { type EnvProviderOptions, type LockOptions, PROVIDER, resolveSettings } from "./options.js";
import { recordOf, writeResultOf } from "./record.js";

/**
 * Secrets in the process environment overlaid on a dotenv file (the environment
 * wins). Writes edit the file in place under a cross-process lock and replace it
 * atomically with mode 0600, keeping every other line as it was. Each written
 * assignment carries a `# secrets: updated=…` comment line holding its metadata.
 */
export class EnvProvider implements SecretProvider {
  readonly name = PROVIDER;
  readonly displayName = "Environment";
  readonly traits = Object.freeze({ localDevelopment: true, environmentFirst: true });
  readonly capabilities: Readonly<ProviderCapabilities> = Object.freeze({
    versions: false,
    checkAndSet: true,
    metadata: true,
  });
  /** The dotenv file, as an absolute path. */
  readonly path: string;
  readonly #file: DotenvFile;
  readonly #environment: EnvironmentOverlay;
  readonly #lock: LockOptions;
  readonly #writes: WriteContext;

  constructor(options: EnvProviderOptions = {}) {
    const settings = resolveSettings(options);
    this.path = settings.path;
    this.#file = new DotenvFile(settings.path, settings.maxFileBytes, settings.logger);
    this.#environment = new EnvironmentOverlay(
      settings.env,
      settings.writeEnvironment,
      settings.logger,
      settings.path,
    );
    this.#lock = settings.lock;
    this.#writes = {
      envValue: (name) => this.#environment.value(name),
      now: settings.now,
      parse: (text) => this.#file.parse(text),
    };
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    if (options.version !== undefined)
      throw new NotSupportedError(undefined, { provider: PROVIDER, feature: "reading earlier versions" });
    return this.#record(name, await this.#file.read());
  }

  /** Several secrets from one read of the file. */
  async getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    if (options.version !== undefined)
      throw new NotSupportedError(undefined, { provider: PROVIDER, feature: "reading earlier versions" });
    const document = await this.#file.read();
    const out = new Map<string, SecretRecord>();
    for (const name of names) {
      const record = this.#record(name, document);
      if (record) out.set(name, record);
    }
    return out;
  }

  /** The names assigned in the file, sorted (not the whole process environment). */
  async list(): Promise<string[]> {
    return (await this.#file.read()).names().sort();
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    // Refuse what the file cannot hold before touching it.
    formatDotenvLine(name, value);
    if (options.metadata) validateMetadata(name, options.metadata);
    await this.#edit(async (document) => {
      applyWrite(this.#writes, document, name, value, options);
      return true;
    }, options.signal);
    this.#environment.sync(name, value);
    return { version: valueVersion(value) };
  }

  /**
   * Write several secrets in one locked rewrite of the file, however many.
   * Each entry is checked as `set` checks it (name, value, metadata, and under
   * the lock `ifAbsent` and `ifVersion`); an entry that fails is left out and
   * its error reported under its name (a `SecretConflictError` when `ifAbsent`
   * finds the secret there), and the others are written. Throws, writing
   * nothing, for a name given twice or when the file cannot be locked, read or
   * written.
   */
  async setMany(entries: readonly WriteEntry[], options: WriteManyOptions = {}): Promise<WriteManyResult> {
    const seen = new Set<string>();
    for (const { name } of entries) {
      if (seen.has(name))
        throw new SecretConfigError(`'${name}' appears more than once in one setMany call`, {
          field: name,
          provider: PROVIDER,
        });
      seen.add(name);
    }
    // Every name in the order given, each given its outcome below.
    const results = new Map<string, WriteResult | Error | undefined>();
    for (const { name } of entries) results.set(name, undefined);
    // Refuse what the file cannot hold before touching it. Entries usually share one
    // metadata object: each object is checked once, and each line is formatted once.
    const pending: PreparedWrite[] = [];
    const checkedMetadata = new Set<object>();
    for (const entry of entries) {
      try {
        const line = formatDotenvLine(entry.name, entry.value);
        const metadata = entry.options?.metadata;
        if (metadata && !checkedMetadata.has(metadata)) {
          validateMetadata(entry.name, metadata);
          checkedMetadata.add(metadata);
        }
        pending.push({ entry, line });
      } catch (error) {
        results.set(entry.name, error as Error);
      }
    }
    const written: WriteEntry[] = [];
    if (pending.length > 0) {
      await this.#edit(async (document) => {
        written.length = 0;
        const appended: PreparedWrite[] = [];
        for (const prepared of pending) {
          const { entry } = prepared;
          const error = refusal(this.#writes, document, entry.name, entry.options ?? {});
          if (error !== undefined) results.set(entry.name, error);
          else if (document.has(entry.name)) {
            applyWrite(this.#writes, document, entry.name, entry.value, entry.options ?? {});
            written.push(entry);
          } else appended.push(prepared);
        }
        for (const { entry } of appended) written.push(entry);
        return written.length > 0 && appendWrites(this.#writes, document, appended);
      }, options.signal);
    }
    for (const { name, value } of written) {
      this.#environment.sync(name, value);
      results.set(name, writeResultOf(value));
    }
    return results as WriteManyResult;
  }

  async delete(name: string, options: DeleteOptions = {}): Promise<boolean> {
    let inFile = false;
    if ((await this.#file.read()).has(name)) {
      await this.#edit(async (document) => {
        inFile = document.delete(name);
        return inFile;
      }, options.signal);
    }
    const inEnv = this.#environment.value(name) !== undefined;
    this.#environment.sync(name, undefined);
    return inFile || inEnv;
  }

  /**
   * The file's directory exists, and the file, if there is one, is a regular
   * file this process can read and write. Never creates the file.
   */
  async check(_options?: CheckOptions): Promise<ProviderStatus> {
    return checkDotenvFile(this.#file);
  }

  /** The record for `name`: the environment's value if set there, else the file's. */
  #record(name: string, document: DotenvDocument): SecretRecord | undefined {
    const fromEnv = this.#environment.value(name);
    const fromFile = document.get(name);
    if (fromEnv !== undefined && fromEnv !== fromFile) return recordOf(fromEnv);
    if (fromFile === undefined) return undefined;
    const { updatedAt, metadata } = parseAnnotation(document.annotation(name));
    const record = recordOf(fromFile);
    if (updatedAt) record.updatedAt = updatedAt;
    if (Object.keys(metadata).length > 0) record.metadata = metadata;
    return record;
  }

  #edit(
    change: (document: DotenvDocument) => Promise<boolean | DotenvDocument>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return editLocked(this.#file, this.#lock, change, signal);
  }
}

/** A provider for code: `createEnvProvider({ path: ".env.local" })`. */
export function createEnvProvider(options: EnvProviderOptions = {}): EnvProvider {
  return new EnvProvider(options);
}

/**
 * The plugin entry point core resolves for `SECRET_PROVIDER=env` (the default):
 * the file is `SECRET_ENV_FILE`, else `.env` in the project directory.
 */
export function createProvider(context: ProviderContext): EnvProvider {
  return new EnvProvider({
    env: context.env as Record<string, string | undefined>,
    cwd: context.cwd,
    logger: context.logger,
  });
}
