import {
  createLogger,
  createSecretManagerFromEnv,
  type Env,
  type Logger,
  type ProviderLoaders,
  parseLogLevel,
  type SecretManager,
} from "@org/secrets-core";
import type { Manifest, SecretInitializer } from "@org/secrets-initializer";
import type { CliIO } from "./io.js";
import type { ParsedArgs } from "./options.js";
import { Output } from "./output.js";

/** The loaders the CLI always has: the providers it depends on. A host adds more (see `RunOptions.loaders`). */
export const DEFAULT_LOADERS: ProviderLoaders = {
  env: () => import("@org/secrets-provider-env"),
};

/** The global options every command receives. */
export interface GlobalArgs {
  provider?: string | undefined;
  manifest?: string | undefined;
  envFile?: string | undefined;
  json: boolean;
  quiet: boolean;
}

/**
 * What a command works with. The manager, manifest and initializer are built
 * on first use, so a command that needs none of them loads none of them.
 */
export class CommandContext {
  readonly io: CliIO;
  readonly out: Output;
  readonly global: GlobalArgs;
  /**
   * The environment commands and providers see: a copy of the caller's, plus
   * `SECRET_ENV_FILE` from `--dotenv-file`. A copy, because the env provider keeps
   * the environment it is given in step with its writes.
   */
  readonly env: Env;
  readonly #loaders: ProviderLoaders;
  #logger: Logger | undefined;
  #manager: SecretManager | undefined;
  readonly #extraManagers: SecretManager[] = [];
  #initializer: Promise<SecretInitializer> | undefined;

  constructor(io: CliIO, args: ParsedArgs, loaders: ProviderLoaders = {}) {
    this.io = io;
    this.global = {
      provider: optionalString(args.provider),
      manifest: optionalString(args.manifest),
      envFile: optionalString(args.dotenvFile),
      json: args.json === true,
      quiet: args.quiet === true,
    };
    this.env = {
      ...io.env,
      ...(this.global.envFile === undefined ? {} : { SECRET_ENV_FILE: this.global.envFile }),
    };
    this.out = new Output(io, { quiet: this.global.quiet, json: this.global.json });
    this.#loaders = { ...DEFAULT_LOADERS, ...loaders };
  }

  /** `LOG_LEVEL` / `LOG_FORMAT` logging to this run's stderr. The CLI's default level is `error`: its output already says what happened. */
  get logger(): Logger {
    this.#logger ??= createLogger({
      level: parseLogLevel(this.env.LOG_LEVEL, "error"),
      format: this.env.LOG_FORMAT?.trim().toLowerCase() === "json" ? "json" : "text",
      write: (line) => this.io.stderr.write(`${line}\n`),
    });
    return this.#logger;
  }

  /** The manager for `--provider` / `SECRET_PROVIDER`; the provider itself is resolved on first use. */
  manager(): SecretManager {
    this.#manager ??= createSecretManagerFromEnv({
      env: this.env,
      cwd: this.io.cwd,
      logger: this.logger,
      loaders: this.#loaders,
      // One command, one read of each secret: nothing to gain from a cache, and init must see the backend.
      cacheTtlMs: 0,
      ...(this.global.provider === undefined ? {} : { provider: this.global.provider }),
    });
    return this.#manager;
  }

  /**
   * Another manager, for a command that talks to more than one provider
   * (`copy`): `provider` resolved with this run's loaders against `env`
   * (which the provider may keep and read later). Closed with the context.
   */
  createManager(options: { provider?: string | undefined; env: Env }): SecretManager {
    const manager = createSecretManagerFromEnv({
      env: options.env,
      cwd: this.io.cwd,
      logger: this.logger,
      loaders: this.#loaders,
      cacheTtlMs: 0,
      ...(options.provider === undefined ? {} : { provider: options.provider }),
    });
    this.#extraManagers.push(manager);
    return manager;
  }

  /** The initializer over `manager()` with the manifest from `--manifest`, `SECRETS_MANIFEST`, or the project. */
  initializer(): Promise<SecretInitializer> {
    this.#initializer ??= import("@org/secrets-initializer").then(
      ({ SecretInitializer }) =>
        new SecretInitializer({
          manager: this.manager(),
          manifestPath: this.global.manifest,
          cwd: this.io.cwd,
          env: this.env,
        }),
    );
    return this.#initializer;
  }

  async manifest(): Promise<Manifest> {
    return (await this.initializer()).getManifest();
  }

  /** Release the provider's connections. */
  async close(): Promise<void> {
    const managers = [...(this.#manager ? [this.#manager] : []), ...this.#extraManagers];
    const results = await Promise.allSettled(managers.map((manager) => manager.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
