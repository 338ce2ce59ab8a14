/**
 * The connection to Secrets Manager: the AWS SDK loaded on first use, the
 * client built (or the caller's adopted), the region resolved, and where
 * requests go as messages show it. Sends nothing itself.
 */
import type { SecretsManagerClient, SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import {
  type Logger,
  ProviderNotConfiguredError,
  ProviderNotInstalledError,
} from "@org/secrets-core/provider";
import { boundAnswers } from "./answer-bounds.js";
import { displayEndpoint } from "./errors.js";
import { PROVIDER_NAME } from "./names.js";
import { requestFailure } from "./request-failure.js";
import { silenceSdkNodeWarning } from "./sdk-warning.js";

export type SdkModule = typeof import("@aws-sdk/client-secrets-manager");

const SDK_PACKAGE = "@aws-sdk/client-secrets-manager";

/** Attempts (the first and its retries) of the client the provider builds. */
export const DEFAULT_MAX_ATTEMPTS = 3;

export interface ConnectionOptions {
  /** A client the caller built: adopted, never destroyed. */
  client?: SecretsManagerClient | undefined;
  clientConfig?: SecretsManagerClientConfig | undefined;
  region: string | undefined;
  /** The longest one HTTP attempt of the client the provider builds may take. */
  requestTimeoutMs: number;
  logger: Logger;
}

/** The loaded SDK and the client requests go through. */
export interface Connection {
  sdk: SdkModule;
  client: SecretsManagerClient;
}

/** Opens one connection on first use and releases it on `close()`. */
export class Connector {
  readonly #options: ConnectionOptions;
  #connection: Promise<Connection> | undefined;
  #region: string | undefined;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#region = options.region;
  }

  /** The region in use, once known. */
  get region(): string | undefined {
    return this.#region;
  }

  get ownsClient(): boolean {
    return this.#options.client === undefined;
  }

  /** Where requests go, for messages: the configured endpoint, or the regional AWS one. */
  endpoint(): string {
    const configured = this.#options.clientConfig?.endpoint;
    if (typeof configured === "string") return displayEndpoint(configured);
    if (configured && typeof configured === "object" && "hostname" in configured)
      return displayEndpoint(
        `${configured.protocol}//${configured.hostname}${configured.port ? `:${configured.port}` : ""}`,
      );
    const ignored =
      (this.#options.clientConfig as { ignoreConfiguredEndpointUrls?: boolean } | undefined)
        ?.ignoreConfiguredEndpointUrls === true || process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true";
    if (this.#options.client === undefined && !ignored) {
      const fromEnv =
        process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER?.trim() || process.env.AWS_ENDPOINT_URL?.trim();
      if (fromEnv) return displayEndpoint(fromEnv);
    }
    return this.#region
      ? `https://secretsmanager.${this.#region}.amazonaws.com`
      : "the AWS Secrets Manager endpoint";
  }

  /** Load the SDK and build (or adopt) the client; fails with `ProviderNotConfiguredError` when no region is known. */
  connect(): Promise<Connection> {
    if (!this.#connection) {
      const connecting = this.#open();
      this.#connection = connecting;
      connecting.catch(() => {
        if (this.#connection === connecting) this.#connection = undefined;
      });
    }
    return this.#connection;
  }

  async #open(): Promise<Connection> {
    let sdk: SdkModule;
    silenceSdkNodeWarning(this.#options.logger);
    try {
      sdk = await import("@aws-sdk/client-secrets-manager");
    } catch (error) {
      throw new ProviderNotInstalledError(
        `Secret provider 'aws' needs ${SDK_PACKAGE}: run npm install ${SDK_PACKAGE}`,
        { provider: PROVIDER_NAME, packageName: SDK_PACKAGE, cause: error },
      );
    }
    const timeout = this.#options.requestTimeoutMs;
    const client =
      this.#options.client ??
      new sdk.SecretsManagerClient({
        ...(this.#region === undefined ? {} : { region: this.#region }),
        maxAttempts: DEFAULT_MAX_ATTEMPTS,
        // Every attempt is bounded: connecting, the whole exchange, and each silence on the socket.
        requestHandler: {
          connectionTimeout: timeout,
          requestTimeout: timeout,
          throwOnRequestTimeout: true,
          socketTimeout: timeout,
        },
        ...this.#options.clientConfig,
      });
    if (this.ownsClient) boundAnswers(client, { timeoutMs: timeout });
    let region: string | undefined;
    try {
      region = await client.config.region();
    } catch (error) {
      if (this.ownsClient) client.destroy();
      throw new ProviderNotConfiguredError(undefined, {
        provider: PROVIDER_NAME,
        reason: "set AWS_REGION (or AWS_DEFAULT_REGION, or a region in your AWS profile)",
        missing: ["AWS_REGION"],
        cause: requestFailure(error),
      });
    }
    if (!region) {
      if (this.ownsClient) client.destroy();
      throw new ProviderNotConfiguredError(undefined, {
        provider: PROVIDER_NAME,
        reason: "set AWS_REGION (or AWS_DEFAULT_REGION)",
        missing: ["AWS_REGION"],
      });
    }
    this.#region = region;
    return { sdk, client };
  }

  /** Release the client, if the provider built it. */
  async close(): Promise<void> {
    const pending = this.#connection;
    this.#connection = undefined;
    if (!pending || !this.ownsClient) return;
    try {
      (await pending).client.destroy();
    } catch {
      // Never connected: nothing to release.
    }
  }
}
