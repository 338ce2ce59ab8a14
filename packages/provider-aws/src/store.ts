import { createHash, randomUUID } from "node:crypto";
import type {
  DescribeSecretResponse,
  SecretsManagerClient,
  SecretsManagerClientConfig,
  Tag,
} from "@aws-sdk/client-secrets-manager";
import {
  type Logger,
  ProviderError,
  ProviderNotConfiguredError,
  ProviderNotInstalledError,
  SecretConflictError,
  SecretError,
} from "@org/secrets-core/provider";
import { METADATA_TAG_PREFIX } from "./config.js";
import {
  type AwsErrorContext,
  awsErrorName,
  DISPLAY_NAME,
  displayEndpoint,
  isAwsError,
  PROVIDER_NAME,
  requestFailure,
  scheduledForDeletion,
  toSecretError,
} from "./errors.js";
import { silenceSdkNodeWarning } from "./sdk-warning.js";

type SdkModule = typeof import("@aws-sdk/client-secrets-manager");

const SDK_PACKAGE = "@aws-sdk/client-secrets-manager";

/** One Secrets Manager secret as the toolkit talks about it. */
export interface Target {
  /** The name shown in messages: the toolkit's secret name, or the document's name. */
  label: string;
  /** The Secrets Manager name (`SecretId`). */
  id: string;
  /** The command that cancels its deletion, for messages. */
  restoreHint: string;
}

export interface StoredValue {
  value: string;
  versionId: string | undefined;
  /** When this version was written. */
  createdAt: Date | undefined;
}

export interface StoreOptions {
  client?: SecretsManagerClient | undefined;
  clientConfig?: SecretsManagerClientConfig | undefined;
  region: string | undefined;
  kmsKeyId: string | undefined;
  tags: Readonly<Record<string, string>>;
  /** The longest one HTTP attempt of the client the store builds may take. */
  requestTimeoutMs: number;
  logger: Logger;
}

/** Attempts (the first and its retries) of the client the store builds. */
export const DEFAULT_MAX_ATTEMPTS = 3;

interface Connection {
  sdk: SdkModule;
  client: SecretsManagerClient;
}

/** Which version of a secret to read. */
export type VersionSelector = { stage: string } | { id: string };

export const CURRENT: VersionSelector = Object.freeze({ stage: "AWSCURRENT" });
export const PREVIOUS: VersionSelector = Object.freeze({ stage: "AWSPREVIOUS" });

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The thin layer over the AWS SDK that both layouts use: it loads the SDK on
 * first use, sends commands, maps failures to core's errors by their name, and
 * implements the write protocols (atomic create, checked put) Secrets Manager
 * leaves to its callers.
 */
export class SecretsManagerStore {
  readonly #options: StoreOptions;
  #connection: Promise<Connection> | undefined;
  #region: string | undefined;

  constructor(options: StoreOptions) {
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

  /** Release the client, if this store built it. */
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

  context(doing: string, action: string, target?: Target, sensitive?: readonly string[]): AwsErrorContext {
    return {
      doing,
      action: `secretsmanager:${action}`,
      endpoint: () => this.endpoint(),
      ...(target ? { secret: target.label, secretId: target.id } : {}),
      ...(sensitive ? { sensitive } : {}),
    };
  }

  /** Run one SDK call, mapping any failure to a `SecretError`. */
  async call<T>(
    ctx: AwsErrorContext,
    run: (connection: Connection, options: { abortSignal?: AbortSignal }) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const connection = await this.connect();
    try {
      const value = await run(connection, signal ? { abortSignal: signal } : {});
      this.#answeredAt = Date.now();
      return value;
    } catch (error) {
      this.#answeredAt = 0;
      throw this.#cancelled(error, signal, ctx) ?? toSecretError(error, ctx);
    }
  }

  /** When AWS last answered a request of ours with success (epoch ms; 0: never). */
  #answeredAt = 0;

  /** Record a failed request sent outside `call` / `attempt`: the next check probes again. */
  noteFailure(): void {
    this.#answeredAt = 0;
  }

  /** Record a successful answer to a request sent outside `call` / `attempt`. */
  noteAnswer(): void {
    this.#answeredAt = Date.now();
  }

  /** Whether AWS answered a request of ours with success within the last `ms` milliseconds, with no failure since. */
  answeredWithin(ms: number): boolean {
    return this.#answeredAt > 0 && Date.now() - this.#answeredAt < ms;
  }

  /**
   * `client.send` options for `signal`, and the error for a request it
   * cancelled: once the caller's deadline passed, nothing goes on, and no
   * caller mistakes the cancellation for an answer ("absent", "denied"…).
   */
  #cancelled(
    error: unknown,
    signal: AbortSignal | undefined,
    ctx?: AwsErrorContext,
  ): SecretError | undefined {
    if (!signal?.aborted) return undefined;
    return toSecretError(
      awsErrorName(error) === "AbortError"
        ? error
        : Object.assign(new Error("aborted"), { name: "AbortError", cause: signal.reason }),
      ctx ?? this.context(`complete a request`, "*"),
    );
  }

  /** Run one SDK call and hand back the raw failure (for callers that branch on the error name). */
  async attempt<T>(
    run: (connection: Connection, options: { abortSignal?: AbortSignal }) => Promise<T>,
    signal?: AbortSignal,
    ctx?: AwsErrorContext,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    const connection = await this.connect();
    try {
      const value = await run(connection, signal ? { abortSignal: signal } : {});
      this.#answeredAt = Date.now();
      return { ok: true, value };
    } catch (error) {
      this.#answeredAt = 0;
      const cancelled = this.#cancelled(error, signal, ctx);
      if (cancelled) throw cancelled;
      return { ok: false, error };
    }
  }

  /** `DescribeSecret`, or `undefined` when the secret does not exist. */
  async describe(target: Target, signal?: AbortSignal): Promise<DescribeSecretResponse | undefined> {
    const result = await this.attempt(
      ({ sdk, client }, o) => client.send(new sdk.DescribeSecretCommand({ SecretId: target.id }), o),
      signal,
      this.context("describe", "DescribeSecret", target),
    );
    if (result.ok) return result.value;
    if (isAwsError(result.error, "ResourceNotFoundException")) return undefined;
    throw toSecretError(result.error, this.context("describe", "DescribeSecret", target));
  }

  /** The error for a secret in its recovery window. */
  scheduled(target: Target, description: DescribeSecretResponse, cause?: unknown): SecretError {
    return scheduledForDeletion(
      target.label,
      target.id,
      description.DeletedDate,
      target.restoreHint,
      new Date(),
      cause,
    );
  }

  /**
   * `GetSecretValue` of one version; `undefined` when the secret or that version
   * does not exist. A secret in its recovery window throws `SecretScheduledForDeletionError`.
   * `describeFirst` is a `DescribeSecret` already under way, used to tell that case apart.
   */
  async read(
    target: Target,
    version: VersionSelector,
    signal?: AbortSignal,
    describeFirst?: Promise<DescribeSecretResponse | undefined>,
  ): Promise<StoredValue | undefined> {
    const input =
      "stage" in version
        ? { SecretId: target.id, VersionStage: version.stage }
        : { SecretId: target.id, VersionId: version.id };
    const result = await this.attempt(
      ({ sdk, client }, o) => client.send(new sdk.GetSecretValueCommand(input), o),
      signal,
      this.context("read", "GetSecretValue", target),
    );
    if (result.ok) {
      const out = result.value;
      return {
        value: this.decode(target, out.SecretString, out.SecretBinary),
        versionId: out.VersionId,
        createdAt: out.CreatedDate,
      };
    }
    const name = awsErrorName(result.error);
    if (name === "ResourceNotFoundException") return undefined;
    if (name === "InvalidRequestException") {
      // AWS (and moto) refuse to read a secret that is scheduled for deletion with this error.
      const description = await (describeFirst ?? this.describe(target, signal)).catch(() => undefined);
      if (description?.DeletedDate) throw this.scheduled(target, description, result.error);
    }
    throw toSecretError(result.error, this.context("read", "GetSecretValue", target));
  }

  /** A secret's value as text: `SecretString`, or `SecretBinary` when it is UTF-8. */
  decode(target: Target, text: string | undefined, binary: Uint8Array | undefined): string {
    if (typeof text === "string") return text;
    if (binary !== undefined) {
      try {
        return decoder.decode(binary);
      } catch {
        throw new BinarySecretError(undefined, { targets: [target] });
      }
    }
    throw new ProviderError(`Secret ${shown(target)} has no value in ${DISPLAY_NAME}`, {
      provider: PROVIDER_NAME,
      secret: target.label,
    });
  }

  /** Tags for a new secret: the configured ones plus metadata as `secrets:<key>`. */
  creationTags(metadata: Readonly<Record<string, string>> | undefined): Tag[] {
    const tags: Tag[] = Object.entries(this.#options.tags).map(([Key, Value]) => ({ Key, Value }));
    return tags.concat(metadataTags(metadata));
  }

  /**
   * `CreateSecret` with a fresh `ClientRequestToken`: the SDK resends the same
   * token on retries, so a create whose answer was lost is not mistaken for a
   * conflict. The secret already existing throws `SecretConflictError`; a name
   * in its recovery window throws `SecretScheduledForDeletionError` (AWS answers
   * `InvalidRequestException` there, moto `ResourceExistsException`: both are handled).
   */
  async create(
    target: Target,
    value: string,
    metadata: Readonly<Record<string, string>> | undefined,
    signal?: AbortSignal,
  ): Promise<string> {
    const token = randomUUID();
    const tags = this.creationTags(metadata);
    const input = {
      Name: target.id,
      SecretString: value,
      ClientRequestToken: token,
      ...(this.#options.kmsKeyId ? { KmsKeyId: this.#options.kmsKeyId } : {}),
      ...(tags.length > 0 ? { Tags: tags } : {}),
    };
    const result = await this.attempt(
      ({ sdk, client }, o) => client.send(new sdk.CreateSecretCommand(input), o),
      signal,
      this.context("create", "CreateSecret", target, [value]),
    );
    if (result.ok) return result.value.VersionId ?? token;
    const name = awsErrorName(result.error);
    if (name === "ResourceExistsException" || name === "InvalidRequestException") {
      const description = await this.describe(target, signal).catch(() => undefined);
      if (description?.DeletedDate) throw this.scheduled(target, description, result.error);
      if (description?.VersionIdsToStages && Object.hasOwn(description.VersionIdsToStages, token))
        return token;
      if (name === "ResourceExistsException")
        throw new SecretConflictError(`Secret '${target.label}' already exists in ${DISPLAY_NAME}`, {
          provider: PROVIDER_NAME,
          secret: target.label,
          cause: requestFailure(result.error),
        });
    }
    throw toSecretError(result.error, this.context("create", "CreateSecret", target, [value]));
  }

  /** `PutSecretValue`: a new version becomes `AWSCURRENT`, the old one `AWSPREVIOUS`. */
  async put(target: Target, value: string, signal?: AbortSignal): Promise<string> {
    const token = randomUUID();
    const out = await this.call(
      this.context("write", "PutSecretValue", target, [value]),
      ({ sdk, client }, o) =>
        client.send(
          new sdk.PutSecretValueCommand({
            SecretId: target.id,
            SecretString: value,
            ClientRequestToken: token,
          }),
          o,
        ),
      signal,
    );
    return out.VersionId ?? token;
  }

  /**
   * Replace the value whatever it is. The deletion state is checked first:
   * AWS refuses to write a secret in its recovery window, but moto accepts it,
   * and the provider must behave as AWS does. A missing secret is created.
   */
  async write(
    target: Target,
    value: string,
    metadata: Readonly<Record<string, string>> | undefined,
    signal?: AbortSignal,
  ): Promise<string> {
    const description = await this.describe(target, signal);
    if (description?.DeletedDate) throw this.scheduled(target, description);
    if (!description) {
      try {
        return await this.create(target, value, metadata, signal);
      } catch (error) {
        // Somebody created it meanwhile: an unconditional write replaces their value, as it would have a moment later.
        if (!(error instanceof SecretConflictError)) throw error;
      }
    }
    const version = await this.put(target, value, signal);
    await this.tag(target, metadata, description?.Tags, signal);
    return version;
  }

  /**
   * Replace the value only if the current version (`AWSCURRENT`) is `expected`.
   *
   * Secrets Manager has no conditional write, but a version id can be created
   * only once: `PutSecretValue` with a `ClientRequestToken` already used for a
   * different value fails with `ResourceExistsException`. So the new version's
   * id is derived from `expected` (see `successorVersionId`): of all writers
   * that read `expected`, exactly one can create its successor, and every
   * other one gets `SecretConflictError`. Before the write, `DescribeSecret`
   * checks that `expected` is still current and the secret is not scheduled
   * for deletion. After it, a second `DescribeSecret` catches the one case the
   * id cannot: an unconditional write (plain `set`, the console, other tools)
   * landing between the check and the write. Its value is then put back and
   * `SecretConflictError` thrown.
   */
  async writeIfVersion(
    target: Target,
    value: string,
    expected: string,
    metadata: Readonly<Record<string, string>> | undefined,
    signal?: AbortSignal,
  ): Promise<string> {
    const before = await this.describe(target, signal);
    if (!before)
      throw new SecretConflictError(
        `Secret '${target.label}' no longer exists in ${DISPLAY_NAME}; read it again before writing`,
        { provider: PROVIDER_NAME, secret: target.label },
      );
    if (before.DeletedDate) throw this.scheduled(target, before);
    if (currentVersion(before) !== expected)
      throw new SecretConflictError(undefined, { provider: PROVIDER_NAME, secret: target.label });
    const mine = successorVersionId(expected);
    const result = await this.attempt(
      ({ sdk, client }, o) =>
        client.send(
          new sdk.PutSecretValueCommand({
            SecretId: target.id,
            SecretString: value,
            ClientRequestToken: mine,
          }),
          o,
        ),
      signal,
      this.context("write", "PutSecretValue", target, [value]),
    );
    if (!result.ok) {
      if (isAwsError(result.error, "ResourceExistsException"))
        throw new SecretConflictError(undefined, {
          provider: PROVIDER_NAME,
          secret: target.label,
          cause: requestFailure(result.error),
        });
      throw toSecretError(result.error, this.context("write", "PutSecretValue", target, [value]));
    }
    await this.verify(target, mine, expected, signal);
    await this.tag(target, metadata, before.Tags, signal);
    return mine;
  }

  /**
   * After a checked put: our version must have replaced `expected`. If an
   * unconditional write slipped in between, ours displaced it: put its value
   * back and throw `SecretConflictError`.
   */
  async verify(target: Target, mine: string, expected: string, signal?: AbortSignal): Promise<void> {
    const after = await this.describe(target, signal);
    const stages = after?.VersionIdsToStages ?? {};
    // Someone wrote after us, so ours stood when they came.
    if (!stages[mine]?.includes("AWSCURRENT")) return;
    const displaced = Object.keys(stages).find((id) => stages[id]?.includes("AWSPREVIOUS"));
    if (displaced === undefined || displaced === expected) return;

    this.#options.logger.warn("aws.write displaced a concurrent write; restoring its value", {
      provider: PROVIDER_NAME,
      name: target.label,
      secret_id: target.id,
      displaced_version: displaced,
    });
    try {
      const theirs = await this.read(target, { id: displaced }, signal);
      if (theirs) await this.put(target, theirs.value, signal);
    } catch (error) {
      throw new SecretConflictError(
        `Secret '${target.label}' was changed by someone else while it was being written, and putting their value back failed: check its current value`,
        { provider: PROVIDER_NAME, secret: target.label, cause: error },
      );
    }
    throw new SecretConflictError(
      `Secret '${target.label}' was changed by someone else while it was being written; their value was kept: read it again and retry`,
      { provider: PROVIDER_NAME, secret: target.label },
    );
  }

  /**
   * Store metadata as `secrets:<key>` tags. The value is already written, so a
   * failure here is logged, not thrown: reporting the write as failed would be
   * untrue, and health falls back to the version's date.
   */
  async tag(
    target: Target,
    metadata: Readonly<Record<string, string>> | undefined,
    existing: readonly Tag[] | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const have = new Map((existing ?? []).map((t) => [t.Key, t.Value]));
    const tags = metadataTags(metadata).filter((t) => have.get(t.Key) !== t.Value);
    if (tags.length === 0) return;
    try {
      await this.call(
        this.context("tag", "TagResource", target),
        ({ sdk, client }, o) =>
          client.send(new sdk.TagResourceCommand({ SecretId: target.id, Tags: tags }), o),
        signal,
      );
    } catch (error) {
      this.#options.logger.warn("aws.tag failed: the value was written but its metadata was not stored", {
        provider: PROVIDER_NAME,
        name: target.label,
        error_code: error instanceof SecretError ? error.code : undefined,
        error: error instanceof Error ? error.message : undefined,
      });
    }
  }

  /** `RestoreSecret`; `false` when the secret does not exist. */
  async restore(target: Target, signal?: AbortSignal): Promise<boolean> {
    const result = await this.attempt(
      ({ sdk, client }, o) => client.send(new sdk.RestoreSecretCommand({ SecretId: target.id }), o),
      signal,
      this.context("restore", "RestoreSecret", target),
    );
    if (result.ok) return true;
    if (isAwsError(result.error, "ResourceNotFoundException")) return false;
    throw toSecretError(result.error, this.context("restore", "RestoreSecret", target));
  }

  /**
   * `DeleteSecret` with a recovery window, or without one (`permanent`).
   * `false` when there was nothing to delete, including a secret already
   * scheduled for deletion (unless `permanent`, which then deletes it at once).
   */
  async remove(
    target: Target,
    permanent: boolean,
    recoveryWindowDays: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const input = permanent
      ? { SecretId: target.id, ForceDeleteWithoutRecovery: true }
      : { SecretId: target.id, RecoveryWindowInDays: recoveryWindowDays };
    const send = () =>
      this.attempt(
        ({ sdk, client }, o) => client.send(new sdk.DeleteSecretCommand(input), o),
        signal,
        this.context("delete", "DeleteSecret", target),
      );
    // A forced delete of a secret that does not exist succeeds; look first, to answer "did it exist".
    if (permanent && !(await this.describe(target, signal))) return false;
    const result = await send();
    if (result.ok) return true;
    const name = awsErrorName(result.error);
    if (name === "ResourceNotFoundException") return false;
    if (name === "InvalidRequestException") {
      const description = await this.describe(target, signal).catch(() => undefined);
      if (description?.DeletedDate) {
        if (!permanent) return false;
        // Already in its recovery window: cancel that, then delete for good.
        await this.restore(target, signal);
        const again = await send();
        if (again.ok) return true;
        throw toSecretError(again.error, this.context("delete", "DeleteSecret", target));
      }
    }
    throw toSecretError(result.error, this.context("delete", "DeleteSecret", target));
  }
}

/**
 * The version id a checked write from `expected` creates: the same for every
 * writer that read `expected`, so Secrets Manager lets only one of them create
 * it. Derived by hashing, so it is a valid `ClientRequestToken` (32 characters)
 * whatever `expected` looks like.
 */
export function successorVersionId(expected: string): string {
  const hex = createHash("sha256").update(`secrets-toolkit/successor/${expected}`, "utf8").digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A secret that holds binary data (`SecretBinary`) that is not UTF-8 text:
 * this toolkit reads text only. Thrown by a single read; bulk reads name every
 * such secret (see the provider's `getMany`).
 */
export class BinarySecretError extends ProviderError {
  /** Every secret of the read that holds binary data: one for a single read, possibly several for a bulk read. */
  readonly secrets: readonly string[];
  /** Standard message (when `message` is `undefined`): `Secret 'NAME' (prefix/NAME) holds binary data …`, naming every target. */
  constructor(message: string | undefined, options: { targets: readonly Target[]; cause?: unknown }) {
    const all = options.targets;
    const first = all[0]!;
    const which =
      all.length === 1 ? `Secret ${shown(first)} holds` : `Secrets ${all.map(shown).join(", ")} hold`;
    super(
      message ??
        `${which} binary data (SecretBinary) that is not UTF-8 text; this toolkit reads text values only: store the value as text (for example base64) or read it with another tool`,
      { provider: PROVIDER_NAME, secret: first.label, cause: options.cause },
    );
    this.secrets = all.map((t) => t.label);
  }
}

/** `'NAME' (prefix/NAME)`, or `'NAME'` when the two are the same. */
function shown(target: Target): string {
  return target.id === target.label ? `'${target.label}'` : `'${target.label}' (${target.id})`;
}

/** The version holding `AWSCURRENT`. */
export function currentVersion(description: DescribeSecretResponse): string | undefined {
  const stages = description.VersionIdsToStages ?? {};
  return Object.keys(stages).find((id) => stages[id]?.includes("AWSCURRENT"));
}

/** Custom metadata stored as tags, keys prefixed `secrets:`. */
export function metadataTags(metadata: Readonly<Record<string, string>> | undefined): Tag[] {
  if (!metadata) return [];
  return Object.entries(metadata).map(([key, value]) => ({
    Key: `${METADATA_TAG_PREFIX}${key}`,
    Value: value,
  }));
}

/** Metadata read back from tags. */
export function metadataFromTags(tags: readonly Tag[] | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  const out: Record<string, string> = Object.create(null);
  let found = false;
  for (const { Key, Value } of tags) {
    if (Key?.startsWith(METADATA_TAG_PREFIX) && Value !== undefined) {
      out[Key.slice(METADATA_TAG_PREFIX.length)] = Value;
      found = true;
    }
  }
  return found ? out : undefined;
}
