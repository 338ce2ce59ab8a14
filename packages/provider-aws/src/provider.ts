import type {
  BatchGetSecretValueResponse,
  DescribeSecretResponse,
  ListSecretsResponse,
  SecretsManagerClient,
  SecretsManagerClientConfig,
} from "@aws-sdk/client-secrets-manager";
import {
  type CheckOptions,
  chunk,
  type DeleteOptions,
  DocumentLayout,
  InvalidSecretValueError,
  isValidSecretName,
  type ListOptions,
  type Logger,
  mapConcurrent,
  type ProviderCapabilities,
  type ProviderContext,
  type ProviderStatus,
  type ReadOptions,
  SecretConfigError,
  SecretError,
  SecretNotFoundError,
  type SecretProvider,
  type SecretRecord,
  silentLogger,
  type WriteOptions,
  type WriteResult,
} from "@org/secrets-core/provider";
import {
  type AwsConfigOptions,
  type AwsLayout,
  type AwsProviderConfig,
  endpointProblem,
  parseAwsConfig,
  parseAwsOptions,
} from "./config.js";
import { contextClientConfig } from "./context-env.js";
import { AwsDocumentBackend, MAX_DOCUMENT_BYTES as MAX_SECRET_BYTES } from "./document.js";
import {
  awsErrorName,
  DISPLAY_NAME,
  isAwsError,
  PROVIDER_NAME,
  requestFailure,
  toSecretError,
} from "./errors.js";
import { BinarySecretError, CURRENT, metadataFromTags, SecretsManagerStore, type Target } from "./store.js";
import { versionSelector } from "./versions.js";

/** `BatchGetSecretValue` takes at most 20 secret ids a call. */

/** How recent a successful request must be for `check()` to rely on it instead of a probe. */
const RECENT_ANSWER_MS = 5_000;
export const BATCH_SIZE = 20;
const BATCH_CONCURRENCY = 4;
/** `ListSecrets` takes at most 10 values in one filter. */
const LIST_FILTER_VALUES = 10;
const DEFAULT_READ_CONCURRENCY = 8;
const DOCUMENT_RETRIES = 20;
/** The failure code of a secret holding binary data, in a bulk read. */
const BINARY = "binary";

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

export interface AwsListOptions extends ListOptions {
  /** Also list secrets in their recovery window (scheduled for deletion). */
  includeScheduledForDeletion?: boolean | undefined;
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
  readonly layout: AwsLayout;
  /** The application's namespace (per-secret) or the document's name (document). */
  readonly prefix: string;
  readonly recoveryWindowDays: number;
  /** Whether every delete skips the recovery window. */
  readonly deleteWithoutRecovery: boolean;

  readonly #store: SecretsManagerStore;
  readonly #logger: Logger;
  readonly #readConcurrency: number;
  readonly #document: DocumentLayout | undefined;
  readonly #documentTarget: Target | undefined;
  /** Set once `BatchGetSecretValue` was refused: bulk reads then use single reads. */
  #batchDenied = false;
  /** Set once `DescribeSecret` was refused: reads then carry no tags or creation date. */
  #describeDenied = false;
  /** Set once `ListSecrets` was refused: bulk reads then carry no tags or creation date. */
  #listDenied = false;

  constructor(options: AwsProviderOptions = {}) {
    const { config, errors, warnings } = parseAwsOptions(options);
    if (errors.length > 0) throw errors[0];
    this.#logger = options.logger ?? silentLogger;
    for (const warning of warnings)
      this.#logger.warn(`aws provider: ${warning}`, { provider: PROVIDER_NAME });
    this.layout = config.layout;
    this.prefix = config.prefix;
    this.recoveryWindowDays = config.recoveryWindowDays;
    this.deleteWithoutRecovery = options.deleteWithoutRecovery === true;
    const concurrency = options.readConcurrency ?? DEFAULT_READ_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100)
      throw new SecretConfigError(
        `Invalid readConcurrency ${JSON.stringify(concurrency)}: use a whole number from 1 to 100`,
        { field: "readConcurrency", provider: PROVIDER_NAME },
      );
    this.#readConcurrency = concurrency;
    const endpoint = options.clientConfig?.endpoint;
    const endpointError = typeof endpoint === "string" ? endpointProblem(endpoint) : undefined;
    if (endpointError !== undefined)
      throw new SecretConfigError(`Invalid clientConfig.endpoint: ${endpointError}`, {
        field: "clientConfig.endpoint",
        provider: PROVIDER_NAME,
      });
    this.#store = new SecretsManagerStore({
      client: options.client,
      clientConfig: options.clientConfig,
      region: config.region,
      kmsKeyId: config.kmsKeyId,
      tags: config.tags,
      requestTimeoutMs: config.requestTimeoutMs,
      logger: this.#logger,
    });
    if (config.layout === "document") {
      this.#documentTarget = {
        label: config.prefix,
        id: config.prefix,
        restoreHint: "secrets restore <NAME> (any secret name: the whole document is restored)",
      };
      this.#document = new DocumentLayout(new AwsDocumentBackend(this.#store, this.#documentTarget), {
        provider: PROVIDER_NAME,
        label: `the secrets document '${config.prefix}'`,
        // Each lost race costs one round trip; leave room for a fleet starting at once.
        retries: DOCUMENT_RETRIES,
      });
      this.capabilities = Object.freeze({ versions: true, checkAndSet: true, metadata: false });
    } else {
      this.capabilities = Object.freeze({ versions: true, checkAndSet: true, metadata: true });
    }
  }

  /**
   * Load the AWS SDK and resolve the region now instead of on the first
   * request (no request is sent). Throws `ProviderNotConfiguredError` when no
   * region is configured anywhere.
   */
  async connect(): Promise<void> {
    await this.#store.connect();
  }

  /** The region in use: as configured, or as the SDK resolved it once connected. */
  get region(): string | undefined {
    return this.#store.region;
  }

  /** The Secrets Manager name of a secret: `<prefix>/<NAME>`, or the document's name. */
  secretId(name: string): string {
    if (this.layout === "document") return this.prefix;
    return this.prefix === "" ? name : `${this.prefix}/${name}`;
  }

  #target(name: string): Target {
    return { label: name, id: this.secretId(name), restoreHint: `secrets restore ${name}` };
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    if (this.#document) return this.#documentCall(name, () => this.#document!.get(name, options));
    const target = this.#target(name);
    if (options.version !== undefined) {
      const selector = versionSelector(options.version);
      if (!selector) return undefined;
      const stored = await this.#store.read(target, selector, options.signal);
      return stored && { value: stored.value, version: stored.versionId, updatedAt: stored.createdAt };
    }
    // The value alone: one `GetSecretValue`. Tags and the creation date cost a `DescribeSecret`.
    if (options.metadata !== true) {
      const stored = await this.#store.read(target, CURRENT, options.signal);
      return stored && { value: stored.value, version: stored.versionId, updatedAt: stored.createdAt };
    }
    // The value, and (in parallel) the secret's creation date and metadata tags. When the
    // read fails or finds nothing, the description is not waited for: it is cancelled.
    const side = new AbortController();
    const sideSignal = options.signal ? AbortSignal.any([options.signal, side.signal]) : side.signal;
    const describing = this.#describeDenied ? undefined : this.#describeForMetadata(target, sideSignal);
    describing?.catch(() => undefined);
    let stored: Awaited<ReturnType<SecretsManagerStore["read"]>>;
    try {
      stored = await this.#store.read(target, CURRENT, options.signal, describing);
    } catch (error) {
      side.abort();
      throw error;
    }
    if (!stored) {
      side.abort();
      return undefined;
    }
    const description = await describing?.catch(() => undefined);
    const record: SecretRecord = {
      value: stored.value,
      version: stored.versionId,
      updatedAt: stored.createdAt,
    };
    if (description?.CreatedDate) record.createdAt = description.CreatedDate;
    const metadata = metadataFromTags(description?.Tags);
    if (metadata) record.metadata = metadata;
    return record;
  }

  /** `DescribeSecret` for metadata: a refusal is remembered and reads go on without it. */
  async #describeForMetadata(
    target: Target,
    signal?: AbortSignal,
  ): Promise<DescribeSecretResponse | undefined> {
    const result = await this.#store.attempt(
      ({ sdk, client }, o) => client.send(new sdk.DescribeSecretCommand({ SecretId: target.id }), o),
      signal,
      this.#store.context("describe", "DescribeSecret", target),
    );
    if (result.ok) return result.value;
    if (isAwsError(result.error, "AccessDeniedException") && !this.#describeDenied) {
      this.#describeDenied = true;
      this.#logger.info(
        "aws provider: secretsmanager:DescribeSecret is not allowed; reads go on without creation dates and metadata tags",
        { provider: PROVIDER_NAME },
      );
    }
    return undefined;
  }

  /**
   * Several secrets: values with `BatchGetSecretValue`, one request per 20
   * names and nothing else. With `metadata`, also (in parallel) their tags and
   * creation dates with `ListSecrets` filtered by name, one request per 10
   * names. Missing names are absent. Earlier versions are read one by one.
   */
  async getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    if (this.#document) return this.#documentCall(undefined, () => this.#document!.getMany(names, options));
    const unique = [...new Set(names)];
    if (options.version !== undefined) return this.#readEach(unique, options);
    if (unique.length === 0) return new Map();
    const listing = options.metadata === true ? this.#listMetadata(unique, options.signal) : undefined;
    listing?.catch(() => undefined);
    const out = this.#batchDenied
      ? await this.#readEach(unique, options)
      : await this.#readBatches(unique, options);
    if (listing === undefined) return out;
    const metadata = await listing;
    for (const [name, record] of out) {
      const entry = metadata.get(name);
      if (!entry) continue;
      if (entry.createdAt) record.createdAt = entry.createdAt;
      if (entry.metadata) record.metadata = entry.metadata;
    }
    return out;
  }

  async #readBatches(names: readonly string[], options: ReadOptions): Promise<Map<string, SecretRecord>> {
    const out = new Map<string, SecretRecord>();
    const failures: Array<{ name: string; error: unknown; code: string | undefined }> = [];
    let denied = false;
    const leftover: string[] = [];
    await mapConcurrent(chunk(names, BATCH_SIZE), BATCH_CONCURRENCY, async (batch) => {
      if (denied) {
        leftover.push(...batch);
        return;
      }
      try {
        await this.#readBatch(batch, out, failures, options.signal);
      } catch (error) {
        if (!isAwsError(error, "AccessDeniedException")) throw toSecretError(error, this.#batchContext());
        denied = true;
        leftover.push(...batch);
      }
    });
    if (denied) {
      this.#batchDenied = true;
      this.#logger.info(
        "aws provider: secretsmanager:BatchGetSecretValue is not allowed; bulk reads use GetSecretValue from now on",
        { provider: PROVIDER_NAME },
      );
      for (const [name, record] of await this.#readEach(leftover, options)) out.set(name, record);
    }
    if (failures.length > 0) throw await this.#batchFailure(failures, options.signal);
    return out;
  }

  /**
   * Tags and creation dates of `names`, from `ListSecrets` filtered by their
   * Secrets Manager names (10 a call: the most one filter takes), never the
   * prefix's whole listing. A name filter matches by prefix, so a name that
   * begins many others may take more pages. Best effort: a refusal is
   * remembered and bulk reads go on without metadata.
   */
  async #listMetadata(
    names: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, { createdAt: Date | undefined; metadata: Record<string, string> | undefined }>> {
    const out = new Map<
      string,
      { createdAt: Date | undefined; metadata: Record<string, string> | undefined }
    >();
    if (this.#listDenied) return out;
    const wanted = new Map(names.map((name) => [this.secretId(name), name]));
    const filters = chunk([...wanted.keys()], LIST_FILTER_VALUES);
    try {
      await mapConcurrent(filters, BATCH_CONCURRENCY, async (values) => {
        let token: string | undefined;
        do {
          const page: ListSecretsResponse = await this.#store
            .attempt(
              ({ sdk, client }, o) =>
                client.send(
                  new sdk.ListSecretsCommand({
                    MaxResults: 100,
                    Filters: [{ Key: "name", Values: values }],
                    ...(token === undefined ? {} : { NextToken: token }),
                  }),
                  o,
                ),
              signal,
              this.#store.context("list secrets", "ListSecrets"),
            )
            .then((result) => {
              if (!result.ok) throw result.error;
              return result.value;
            });
          for (const entry of page.SecretList ?? []) {
            const name = entry.Name === undefined ? undefined : wanted.get(entry.Name);
            if (name !== undefined)
              out.set(name, { createdAt: entry.CreatedDate, metadata: metadataFromTags(entry.Tags) });
          }
          token = page.NextToken;
        } while (token);
      });
    } catch (error) {
      // The deadline passed: the bulk read fails with it, metadata or not.
      if (error instanceof SecretError) return out;
      if (isAwsError(error, "AccessDeniedException")) {
        this.#listDenied = true;
        this.#logger.info(
          "aws provider: secretsmanager:ListSecrets is not allowed; bulk reads go on without metadata tags",
          { provider: PROVIDER_NAME },
        );
      } else {
        this.#logger.debug(
          "aws provider: reading metadata for a bulk read failed; values are returned without it",
          {
            provider: PROVIDER_NAME,
            // Only a known AWS error name: the answer could put anything in its error type.
            error_code: requestFailure(error).awsErrorName,
          },
        );
      }
    }
    return out;
  }

  #batchContext() {
    return this.#store.context("read secrets in bulk", "BatchGetSecretValue");
  }

  /** One `BatchGetSecretValue` call (following `NextToken`), its per-secret `Errors` collected. */
  async #readBatch(
    batch: readonly string[],
    out: Map<string, SecretRecord>,
    failures: Array<{ name: string; error: unknown; code: string | undefined }>,
    signal?: AbortSignal,
  ): Promise<void> {
    const byId = new Map(batch.map((name) => [this.secretId(name), name]));
    const { sdk, client } = await this.#store.connect();
    let token: string | undefined;
    do {
      const response: BatchGetSecretValueResponse = await client
        .send(
          new sdk.BatchGetSecretValueCommand({
            SecretIdList: [...byId.keys()],
            ...(token === undefined ? {} : { NextToken: token }),
          }),
          signal ? { abortSignal: signal } : {},
        )
        .catch((error: unknown) => {
          this.#store.noteFailure();
          throw error;
        });
      this.#store.noteAnswer();
      for (const entry of response.SecretValues ?? []) {
        const name =
          (entry.Name !== undefined ? byId.get(entry.Name) : undefined) ??
          (entry.ARN !== undefined ? byId.get(entry.ARN) : undefined);
        if (name === undefined) continue;
        let value: string;
        try {
          value = this.#store.decode(this.#target(name), entry.SecretString, entry.SecretBinary);
        } catch (error) {
          failures.push({ name, error, code: error instanceof BinarySecretError ? BINARY : undefined });
          continue;
        }
        out.set(name, { value, version: entry.VersionId, updatedAt: entry.CreatedDate });
      }
      for (const entry of response.Errors ?? []) {
        const name = entry.SecretId !== undefined ? byId.get(entry.SecretId) : undefined;
        if (name === undefined || entry.ErrorCode === "ResourceNotFoundException") continue;
        // Only the error code is kept: the entry's Message is the service's text.
        const error = Object.assign(new Error("failed"), { name: entry.ErrorCode ?? "Error" });
        failures.push({ name, error, code: entry.ErrorCode });
      }
      token = response.NextToken;
    } while (token);
  }

  /**
   * The error for a bulk read in which some secrets failed: the most telling
   * one, its message naming every other secret that failed too, so a caller
   * can read the others one by one. Secrets holding binary data are named
   * together in one `BinarySecretError`.
   */
  async #batchFailure(
    failures: Array<{ name: string; error: unknown; code: string | undefined }>,
    signal?: AbortSignal,
  ): Promise<Error> {
    const rank = (code: string | undefined) =>
      code === "InvalidRequestException"
        ? 0
        : code === "AccessDeniedException"
          ? 1
          : code === "DecryptionFailure"
            ? 2
            : code === BINARY
              ? 4
              : 3;
    const sorted = [...failures].sort((a, b) => rank(a.code) - rank(b.code));
    const first = sorted[0]!;
    const target = this.#target(first.name);
    let error: SecretError | undefined;
    if (first.code === "InvalidRequestException") {
      const description = await this.#store.describe(target, signal).catch(() => undefined);
      if (description?.DeletedDate) error = this.#store.scheduled(target, description, first.error);
    }
    const binary = sorted.filter((f) => f.code === BINARY);
    if (error === undefined && first.code === BINARY)
      error = new BinarySecretError(undefined, { targets: binary.map((f) => this.#target(f.name)) });
    error ??= toSecretError(first.error, this.#store.context("read", "GetSecretValue", target));
    const named = new Set(error instanceof BinarySecretError ? error.secrets : [first.name]);
    const others = sorted.filter((f) => !named.has(f.name)).map((f) => `'${f.name}'`);
    if (others.length > 0) {
      // The first error keeps its class (and code); its message names the rest.
      error.message = `${error.message} (reading ${others.length === 1 ? "secret" : "secrets"} ${others.join(", ")} failed too)`;
      this.#logger.debug("aws provider: bulk read failed for several secrets", {
        provider: PROVIDER_NAME,
        failed: failures.length,
      });
    }
    return error;
  }

  /** Single reads with bounded concurrency (versions, or when batching is not allowed). */
  async #readEach(names: readonly string[], options: ReadOptions): Promise<Map<string, SecretRecord>> {
    const selector = options.version === undefined ? CURRENT : versionSelector(options.version);
    const out = new Map<string, SecretRecord>();
    if (!selector) return out;
    const records = await mapConcurrent(names, this.#readConcurrency, async (name) => {
      const stored = await this.#store.read(this.#target(name), selector, options.signal);
      return stored && { value: stored.value, version: stored.versionId, updatedAt: stored.createdAt };
    });
    names.forEach((name, i) => {
      const record = records[i];
      if (record) out.set(name, record);
    });
    return out;
  }

  async set(name: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    checkValue(name, value, this.#document === undefined);
    if (this.#document) return this.#documentCall(name, () => this.#document!.set(name, value, options));
    const target = this.#target(name);
    const { metadata, signal } = options;
    if (options.ifAbsent) return { version: await this.#store.create(target, value, metadata, signal) };
    if (options.ifVersion !== undefined)
      return {
        version: await this.#store.writeIfVersion(target, value, options.ifVersion, metadata, signal),
      };
    return { version: await this.#store.write(target, value, metadata, signal) };
  }

  /** Delete with the recovery window (default), or at once with `permanent`. `false` when there was nothing to delete. */
  async delete(name: string, options: DeleteOptions = {}): Promise<boolean> {
    if (this.#document) return this.#documentCall(name, () => this.#document!.delete(name, options));
    const permanent = options.permanent === true || this.deleteWithoutRecovery;
    return this.#store.remove(this.#target(name), permanent, this.recoveryWindowDays, options.signal);
  }

  /**
   * Cancel a scheduled deletion. In the document layout this restores the
   * whole document (fields are removed from it at once, without a window).
   */
  async restore(name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    const target = this.#documentTarget ?? this.#target(name);
    const found = await this.#store.restore(target, options.signal);
    if (!found) {
      const what = this.#documentTarget
        ? `The secrets document '${target.id}'`
        : `Secret '${name}'${target.id === name ? "" : ` (${target.id})`}`;
      throw new SecretNotFoundError(
        `${what} was not found in ${DISPLAY_NAME}: there is nothing to restore (a secret deleted permanently, or past its recovery window, is gone)`,
        { secret: name, provider: PROVIDER_NAME },
      );
    }
  }

  /** Names of the application's secrets, sorted; secrets in their recovery window only when asked. */
  async list(options: AwsListOptions = {}): Promise<string[]> {
    if (this.#document) return this.#documentCall(undefined, () => this.#document!.list());
    const includeDeleted = options.includeScheduledForDeletion === true;
    const start = this.prefix === "" ? "" : `${this.prefix}/`;
    const ctx = this.#store.context("list secrets", "ListSecrets");
    const names = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.#store.call(
        ctx,
        ({ sdk, client }, o) =>
          client.send(
            new sdk.ListSecretsCommand({
              MaxResults: 100,
              IncludePlannedDeletion: includeDeleted,
              ...(start === "" ? {} : { Filters: [{ Key: "name", Values: [start] }] }),
              ...(token === undefined ? {} : { NextToken: token }),
            }),
            o,
          ),
        options.signal,
      );
      for (const entry of page.SecretList ?? []) {
        if (entry.Name === undefined || !entry.Name.startsWith(start)) continue;
        if (entry.DeletedDate && !includeDeleted) continue;
        const name = entry.Name.slice(start.length);
        if (isValidSecretName(name)) names.add(name);
      }
      token = page.NextToken;
    } while (token);
    return [...names].sort();
  }

  /**
   * Reachable, and our credentials accepted? One `ListSecrets` of at most one
   * entry (document layout: `DescribeSecret` of the document). A refusal
   * (AccessDenied) still proves the credentials work; it is reported in the details.
   */
  async check(options: CheckOptions = {}): Promise<ProviderStatus> {
    await this.#store.connect();
    const details: Record<string, string | number | boolean> = {
      region: this.#store.region ?? "",
      layout: this.layout,
      prefix: this.prefix,
      recoveryWindowDays: this.recoveryWindowDays,
    };
    if (this.#documentTarget) {
      const description = await this.#store.describe(this.#documentTarget, options.signal);
      if (description?.DeletedDate) throw this.#store.scheduled(this.#documentTarget, description);
      details.document = description ? "present" : "absent";
      return { details };
    }
    // AWS answered one of our requests moments ago (a health check reads the declared
    // secrets first): that already proves the endpoint answers and the credentials work.
    if (this.#store.answeredWithin(RECENT_ANSWER_MS)) {
      details.confirmedBy = "recent request";
      return { details };
    }
    const start = this.prefix === "" ? "" : `${this.prefix}/`;
    const result = await this.#store.attempt(
      ({ sdk, client }, o) =>
        client.send(
          new sdk.ListSecretsCommand({
            MaxResults: 1,
            ...(start === "" ? {} : { Filters: [{ Key: "name", Values: [start] }] }),
          }),
          o,
        ),
      options.signal,
      this.#store.context("check the connection", "ListSecrets"),
    );
    if (!result.ok) {
      if (awsErrorName(result.error) !== "AccessDeniedException")
        throw toSecretError(result.error, this.#store.context("check the connection", "ListSecrets"));
      details.list = "denied";
    }
    return { details };
  }

  async close(): Promise<void> {
    await this.#store.close();
  }

  /** Document layout: say which secret a scheduled deletion stands in the way of. */
  async #documentCall<T>(name: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (
        name !== undefined &&
        this.#documentTarget &&
        error instanceof Error &&
        (error as { code?: unknown }).code === "SECRET_SCHEDULED_FOR_DELETION"
      ) {
        const description = await this.#store.describe(this.#documentTarget).catch(() => undefined);
        if (description?.DeletedDate)
          throw this.#store.scheduled(
            { ...this.#documentTarget, restoreHint: `secrets restore ${name}` },
            description,
            error,
          );
      }
      throw error;
    }
  }
}

/**
 * AWS's limits on a `SecretString`: 1 to 65 536 bytes of well-formed text.
 * Checked before anything is sent; messages give sizes, never the value.
 */
function checkValue(name: string, value: string, perSecret: boolean): void {
  if (typeof value !== "string")
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason: `expected text, got ${value === null ? "null" : typeof value}`,
    });
  if (perSecret && value === "")
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason: `${DISPLAY_NAME} cannot store an empty value`,
    });
  // In a `u` regular expression a surrogate pair is one code point: only a lone surrogate matches.
  if (/\p{Cs}/u.test(value))
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason:
        "it is not well-formed text (it holds a lone UTF-16 surrogate), which cannot be stored as UTF-8",
    });
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only long values need counting.
  if (value.length * 3 <= MAX_SECRET_BYTES) return;
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_SECRET_BYTES)
    throw new InvalidSecretValueError(undefined, {
      secret: name,
      reason: `${DISPLAY_NAME} stores at most ${MAX_SECRET_BYTES} bytes a secret (this value has ${bytes} bytes in UTF-8)`,
    });
}

/** A provider from options given in code (validated like the environment). */
export function createAwsProvider(options: AwsProviderOptions = {}): AwsSecretsManagerProvider {
  return new AwsSecretsManagerProvider(options);
}

/**
 * The factory core calls for `SECRET_PROVIDER=aws`, on first use: configuration
 * from the environment (`AWS_REGION`, `SECRET_AWS_*`), warnings to the logger,
 * the first problem thrown as a `SecretConfigError` naming its variable. When
 * neither `AWS_REGION` nor `AWS_DEFAULT_REGION` is set, the SDK is loaded to
 * find the region of the AWS profile, so a missing region fails here with
 * `ProviderNotConfiguredError` rather than on the first request.
 *
 * When `context.env` is not `process.env` itself, the endpoint, region,
 * static credentials and profile come from `context.env` (see
 * `AWS_CONTEXT_ENV` for the list, and what stays with the process).
 */
export async function createProvider(context: ProviderContext): Promise<AwsSecretsManagerProvider> {
  const { config, warnings, errors } = parseAwsConfig(context.env);
  for (const warning of warnings)
    context.logger.warn(`aws provider: ${warning}`, { provider: PROVIDER_NAME });
  if (errors.length > 0) throw errors[0];
  const clientConfig = contextClientConfig(context.env);
  const provider = new AwsSecretsManagerProvider({
    ...fromConfig(config),
    ...(Object.keys(clientConfig).length > 0 ? { clientConfig } : {}),
    logger: context.logger,
  });
  if (config.region === undefined) {
    // No request is sent here (the SDK reads the region from the profile files), but it is still bounded.
    const timeoutMs = (context as { timeoutMs?: number }).timeoutMs;
    try {
      await withinDeadline(provider.connect(), timeoutMs);
    } catch (error) {
      await provider.close();
      throw error;
    }
  }
  return provider;
}

/** `work`, or a `TIMEOUT` error once `timeoutMs` passed (for work that holds no socket to abort). */
async function withinDeadline<T>(work: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs) || timeoutMs <= 0) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SecretError(
            `Secret provider '${PROVIDER_NAME}' did not finish connecting within ${timeoutMs / 1000} s (resolving the AWS region)`,
            { code: "TIMEOUT", provider: PROVIDER_NAME },
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function fromConfig(config: AwsProviderConfig): AwsProviderOptions {
  return {
    region: config.region,
    prefix: config.prefix,
    layout: config.layout,
    kmsKeyId: config.kmsKeyId,
    tags: config.tags,
    recoveryWindowDays: config.recoveryWindowDays,
    requestTimeoutMs: config.requestTimeoutMs,
  };
}
