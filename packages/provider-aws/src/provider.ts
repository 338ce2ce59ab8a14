/**
 * The provider class: options validated, the client and the layout picked
 * once at construction, every operation delegated to that layout.
 */
import type { SecretsManagerClient, SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import {
  type CheckOptions,
  type DeleteOptions,
  type Logger,
  type ProviderCapabilities,
  type ProviderStatus,
  plainHttpWarning,
  type ReadOptions,
  SecretConfigError,
  type SecretProvider,
  type SecretRecord,
  silentLogger,
  unverifiedTlsWarning,
  type WriteOptions,
  type WriteResult,
} from "@org/secrets-core/provider";
import { AwsClient } from "./client.js";
import { parseAwsOptions } from "./config.js";
import { endpointProblem } from "./config-rules.js";
import { DocumentSecretsLayout } from "./layouts/document.js";
import type { AwsListOptions, Layout } from "./layouts/layout.js";
import { PerSecretLayout } from "./layouts/per-secret.js";
import { DISPLAY_NAME, PROVIDER_NAME } from "./names.js";
import { SecretWriter } from "./secret-writes.js";
import type { AwsConfigOptions, AwsLayout } from "./settings.js";
import { checkValue, MAX_SECRET_BYTES } from "./value.js";

const DEFAULT_READ_CONCURRENCY = 8;

export interface AwsProviderOptions extends AwsConfigOptions {
  /**
   * A client you built (credentials, endpoint, retries, middleware…). It is not
   * destroyed by `close()`, and its timeouts and retries are yours: the provider
   * still passes every call's deadline (`signal`) to it as `abortSignal`.
   */
  client?: SecretsManagerClient | undefined;
  /** Extra configuration for the client the provider builds (ignored with `client`). */
  clientConfig?: SecretsManagerClientConfig | undefined;
  /**
   * Delete every secret at once, without a recovery window, as if each delete
   * passed `permanent: true` (for throw-away environments). Default `false`.
   */
  deleteWithoutRecovery?: boolean | undefined;
  /** Single reads in flight at once when batch reads are not allowed (default 8). */
  readConcurrency?: number | undefined;
  logger?: Logger | undefined;
}

/**
 * AWS Secrets Manager as a secret provider.
 *
 * Per-secret layout (default): each secret is its own Secrets Manager secret,
 * `<prefix>/<NAME>`, its `SecretString` the raw value. Document layout: every
 * secret is a field of one JSON object in the secret named by the prefix.
 * The AWS SDK is loaded on first use, never at import.
 */
export class AwsSecretsManagerProvider implements SecretProvider {
  readonly name = PROVIDER_NAME;
  readonly displayName = DISPLAY_NAME;
  /** The largest value Secrets Manager stores (`SecretString`), in UTF-8 bytes. */
  readonly maxValueBytes = MAX_SECRET_BYTES;
  readonly capabilities: Readonly<ProviderCapabilities>;
  /**
   * `finalDeletes` where `restore` cannot undo a delete: with
   * `deleteWithoutRecovery`, and in the document layout (a field is removed at once).
   */
  readonly traits: Readonly<{ finalDeletes: boolean }>;
  readonly layout: AwsLayout;
  /** The application's namespace (per-secret) or the document's name (document). */
  readonly prefix: string;
  readonly recoveryWindowDays: number;
  /** Whether every delete skips the recovery window. */
  readonly deleteWithoutRecovery: boolean;

  readonly #aws: AwsClient;
  readonly #layout: Layout;

  constructor(options: AwsProviderOptions = {}) {
    const { config, errors, warnings } = parseAwsOptions(options);
    if (errors.length > 0) throw errors[0];
    const logger = options.logger ?? silentLogger;
    for (const warning of warnings) logger.warn(`aws provider: ${warning}`, { provider: PROVIDER_NAME });
    this.layout = config.layout;
    this.prefix = config.prefix;
    this.recoveryWindowDays = config.recoveryWindowDays;
    this.deleteWithoutRecovery = options.deleteWithoutRecovery === true;
    const readConcurrency = options.readConcurrency ?? DEFAULT_READ_CONCURRENCY;
    if (!Number.isInteger(readConcurrency) || readConcurrency < 1 || readConcurrency > 100)
      throw new SecretConfigError(
        `Invalid readConcurrency ${JSON.stringify(readConcurrency)}: use a whole number from 1 to 100`,
        { field: "readConcurrency", provider: PROVIDER_NAME },
      );
    const endpoint = options.clientConfig?.endpoint;
    const endpointError = typeof endpoint === "string" ? endpointProblem(endpoint) : undefined;
    if (endpointError !== undefined)
      throw new SecretConfigError(`Invalid clientConfig.endpoint: ${endpointError}`, {
        field: "clientConfig.endpoint",
        provider: PROVIDER_NAME,
      });
    this.#aws = new AwsClient({
      client: options.client,
      clientConfig: options.clientConfig,
      region: config.region,
      requestTimeoutMs: config.requestTimeoutMs,
      logger,
    });
    const writer = new SecretWriter(this.#aws, { kmsKeyId: config.kmsKeyId, tags: config.tags });
    this.#layout =
      config.layout === "document"
        ? new DocumentSecretsLayout(this.#aws, writer, config.prefix)
        : new PerSecretLayout({
            aws: this.#aws,
            writer,
            logger,
            prefix: config.prefix,
            recoveryWindowDays: config.recoveryWindowDays,
            deleteWithoutRecovery: this.deleteWithoutRecovery,
            readConcurrency,
          });
    this.capabilities = this.#layout.capabilities;
    this.traits = Object.freeze({ finalDeletes: config.layout === "document" || this.deleteWithoutRecovery });
  }

  /**
   * Load the AWS SDK and resolve the region now instead of on the first
   * request (no request is sent). Throws `ProviderNotConfiguredError` when no
   * region is configured anywhere.
   */
  async connect(): Promise<void> {
    await this.#aws.connect();
  }

  /** The region in use: as configured, or as the SDK resolved it once connected. */
  get region(): string | undefined {
    return this.#aws.region;
  }

  /** The Secrets Manager name of a secret: `<prefix>/<NAME>`, or the document's name. */
  secretId(name: string): string {
    return this.#layout.secretId(name);
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    return this.#layout.get(name, options);
  }

  /**
   * Several secrets. Per-secret layout: values with `BatchGetSecretValue`, one
   * request per 20 names; with `metadata`, also their tags and creation dates
   * with `ListSecrets` filtered by name, one request per 10 names. Missing
   * names are absent.
   */
  async getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    return this.#layout.getMany(names, options);
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    checkValue(name, value);
    return this.#layout.set(name, value, options);
  }

  /** Delete with the recovery window (default), or at once with `permanent`. `false` when there was nothing to delete. */
  async delete(name: string, options: DeleteOptions = {}): Promise<boolean> {
    return this.#layout.delete(name, options);
  }

  /**
   * Cancel a scheduled deletion. In the document layout this restores the
   * whole document (fields are removed from it at once, without a window).
   */
  async restore(name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return this.#layout.restore(name, options.signal);
  }

  /** Names of the application's secrets, sorted; secrets in their recovery window only when asked. */
  async list(options: AwsListOptions = {}): Promise<string[]> {
    return this.#layout.list(options);
  }

  /**
   * Reachable, and our credentials accepted? One `ListSecrets` of at most one
   * entry (document layout: `DescribeSecret` of the document). A refusal
   * (AccessDenied) still proves the credentials work; it is reported in the details.
   */
  async check(options: CheckOptions = {}): Promise<ProviderStatus> {
    await this.#aws.connect();
    const details: Record<string, string | number | boolean> = {
      region: this.#aws.region ?? "",
      layout: this.layout,
      prefix: this.prefix,
      recoveryWindowDays: this.recoveryWindowDays,
    };
    const status = await this.#layout.check(details, options.signal);
    const endpoint = this.#aws.endpoint;
    const warnings = [
      ...(status.warnings ?? []),
      // An endpoint of another machine over plain HTTP carries every value unencrypted (requests are signed, not sealed).
      plainHttpWarning(endpoint, DISPLAY_NAME, "secret values"),
      // The SDK's HTTPS goes through Node's default agent, which this variable makes accept any certificate.
      unverifiedTlsWarning(endpoint, DISPLAY_NAME, "secret values"),
    ].filter((warning) => warning !== undefined);
    return warnings.length === 0 ? status : { ...status, warnings };
  }

  async close(): Promise<void> {
    await this.#aws.close();
  }
}

/** A provider from options given in code (validated like the environment). */
export function createAwsProvider(options: AwsProviderOptions = {}): AwsSecretsManagerProvider {
  return new AwsSecretsManagerProvider(options);
}
