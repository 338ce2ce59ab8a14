/**
 * The per-secret layout (the default): each secret is its own Secrets
 * Manager secret, `<prefix>/<NAME>`, its `SecretString` the raw value, its
 * metadata `secrets:<key>` tags. Bulk reads are in bulk-read.ts.
 */
import type { DescribeSecretResponse } from "@aws-sdk/client-secrets-manager";
import {
  type DeleteOptions,
  InvalidSecretValueError,
  isValidSecretName,
  type Logger,
  type ProviderCapabilities,
  type ProviderStatus,
  type ReadOptions,
  type SecretRecord,
  type WriteOptions,
  type WriteResult,
} from "@org/secrets-core/provider";
import type { AwsClient, Target } from "../client.js";
import { awsErrorName, isAwsError } from "../error-names.js";
import { toSecretError } from "../errors.js";
import { DISPLAY_NAME, PROVIDER_NAME } from "../names.js";
import { deleteSecret, nothingToRestore, restoreSecret } from "../secret-deletion.js";
import { readSecret, type StoredValue } from "../secret-reads.js";
import type { SecretWriter } from "../secret-writes.js";
import { metadataFromTags } from "../tags.js";
import { CURRENT, versionSelector } from "../versions.js";
import { BulkReader } from "./bulk-read.js";
import type { AwsListOptions, Layout } from "./layout.js";

const CAPABILITIES: Readonly<ProviderCapabilities> = Object.freeze({
  versions: true,
  checkAndSet: true,
  metadata: true,
});
/** How recent a successful request must be for `check()` to rely on it instead of a probe. */
const RECENT_ANSWER_MS = 5_000;

export interface PerSecretOptions {
  aws: AwsClient;
  writer: SecretWriter;
  logger: Logger;
  /** The application's namespace ("" = bare names). */
  prefix: string;
  recoveryWindowDays: number;
  /** Every delete skips the recovery window. */
  deleteWithoutRecovery: boolean;
  readConcurrency: number;
}

export class PerSecretLayout implements Layout {
  readonly capabilities = CAPABILITIES;
  readonly #aws: AwsClient;
  readonly #writer: SecretWriter;
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #recoveryWindowDays: number;
  readonly #deleteWithoutRecovery: boolean;
  readonly #bulk: BulkReader;
  /** Set once `DescribeSecret` was refused: reads then carry no tags or creation date. */
  #describeDenied = false;

  constructor(options: PerSecretOptions) {
    this.#aws = options.aws;
    this.#writer = options.writer;
    this.#logger = options.logger;
    this.#prefix = options.prefix;
    this.#recoveryWindowDays = options.recoveryWindowDays;
    this.#deleteWithoutRecovery = options.deleteWithoutRecovery;
    this.#bulk = new BulkReader({
      aws: options.aws,
      logger: options.logger,
      readConcurrency: options.readConcurrency,
      target: (name) => this.#target(name),
    });
  }

  secretId(name: string): string {
    return this.#prefix === "" ? name : `${this.#prefix}/${name}`;
  }

  #target(name: string): Target {
    return { label: name, id: this.secretId(name), restoreHint: `secrets restore ${name}` };
  }

  async get(name: string, options: ReadOptions): Promise<SecretRecord | undefined> {
    const target = this.#target(name);
    if (options.version !== undefined) {
      const selector = versionSelector(options.version);
      if (!selector) return undefined;
      return asRecord(await readSecret(this.#aws, target, selector, options.signal));
    }
    // The value alone: one `GetSecretValue`. Tags and the creation date cost a `DescribeSecret`.
    if (options.metadata !== true)
      return asRecord(await readSecret(this.#aws, target, CURRENT, options.signal));
    // The value, and (in parallel) the secret's creation date and metadata tags. When the
    // read fails or finds nothing, the description is not waited for: it is cancelled.
    const side = new AbortController();
    const sideSignal = options.signal ? AbortSignal.any([options.signal, side.signal]) : side.signal;
    const describing = this.#describeDenied ? undefined : this.#describeForMetadata(target, sideSignal);
    describing?.catch(() => undefined);
    let stored: StoredValue | undefined;
    try {
      stored = await readSecret(this.#aws, target, CURRENT, options.signal, describing);
    } catch (error) {
      side.abort();
      throw error;
    }
    if (!stored) {
      side.abort();
      return undefined;
    }
    const description = await describing?.catch(() => undefined);
    const record = asRecord(stored);
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
    const result = await this.#aws.attempt(
      ({ sdk, client }, o) => client.send(new sdk.DescribeSecretCommand({ SecretId: target.id }), o),
      signal,
      this.#aws.context("describe", "DescribeSecret", target),
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

  getMany(names: readonly string[], options: ReadOptions): Promise<Map<string, SecretRecord>> {
    return this.#bulk.getMany(names, options);
  }

  async set(name: string, value: string, options: WriteOptions): Promise<WriteResult> {
    if (value === "")
      throw new InvalidSecretValueError(undefined, {
        secret: name,
        reason: `${DISPLAY_NAME} cannot store an empty value`,
      });
    const target = this.#target(name);
    const { metadata, signal } = options;
    if (options.ifAbsent) return { version: await this.#writer.create(target, value, metadata, signal) };
    if (options.ifVersion !== undefined)
      return {
        version: await this.#writer.writeIfVersion(target, value, options.ifVersion, metadata, signal),
      };
    return { version: await this.#writer.write(target, value, metadata, signal) };
  }

  delete(name: string, options: DeleteOptions): Promise<boolean> {
    const permanent = options.permanent === true || this.#deleteWithoutRecovery;
    return deleteSecret(this.#aws, this.#target(name), permanent, this.#recoveryWindowDays, options.signal);
  }

  async restore(name: string, signal: AbortSignal | undefined): Promise<void> {
    const target = this.#target(name);
    if (!(await restoreSecret(this.#aws, target, signal)))
      throw nothingToRestore(`Secret '${name}'${target.id === name ? "" : ` (${target.id})`}`, name);
  }

  /** Names of the application's secrets, sorted; secrets in their recovery window only when asked. */
  async list(options: AwsListOptions): Promise<string[]> {
    const includeDeleted = options.includeScheduledForDeletion === true;
    const start = this.#prefix === "" ? "" : `${this.#prefix}/`;
    const input = {
      MaxResults: 100,
      IncludePlannedDeletion: includeDeleted,
      ...(start === "" ? {} : { Filters: [{ Key: "name" as const, Values: [start] }] }),
    };
    const names = new Set<string>();
    try {
      for await (const page of this.#aws.pages("ListSecrets", input, options.signal)) {
        for (const entry of page.SecretList ?? []) {
          if (entry.Name === undefined || !entry.Name.startsWith(start)) continue;
          if (entry.DeletedDate && !includeDeleted) continue;
          const name = entry.Name.slice(start.length);
          if (isValidSecretName(name)) names.add(name);
        }
      }
    } catch (error) {
      throw this.#aws.failure(error, options.signal, this.#aws.context("list secrets", "ListSecrets"));
    }
    return [...names].sort();
  }

  /**
   * One `ListSecrets` of at most one entry, unless AWS answered a request of
   * ours moments ago. A refusal (AccessDenied) still proves the credentials
   * work; it is reported in the details.
   */
  async check(
    details: Record<string, string | number | boolean>,
    signal: AbortSignal | undefined,
  ): Promise<ProviderStatus> {
    // AWS answered one of our requests moments ago (a health check reads the declared
    // secrets first): that already proves the endpoint answers and the credentials work.
    if (this.#aws.answeredWithin(RECENT_ANSWER_MS)) {
      details.confirmedBy = "recent request";
      return { details };
    }
    const start = this.#prefix === "" ? "" : `${this.#prefix}/`;
    const result = await this.#aws.attempt(
      ({ sdk, client }, o) =>
        client.send(
          new sdk.ListSecretsCommand({
            MaxResults: 1,
            ...(start === "" ? {} : { Filters: [{ Key: "name", Values: [start] }] }),
          }),
          o,
        ),
      signal,
      this.#aws.context("check the connection", "ListSecrets"),
    );
    if (!result.ok) {
      if (awsErrorName(result.error) !== "AccessDeniedException")
        throw toSecretError(result.error, this.#aws.context("check the connection", "ListSecrets"));
      details.list = "denied";
    }
    return { details };
  }
}

function asRecord(stored: StoredValue): SecretRecord;
function asRecord(stored: StoredValue | undefined): SecretRecord | undefined;
function asRecord(stored: StoredValue | undefined): SecretRecord | undefined {
  return stored && { value: stored.value, version: stored.versionId, updatedAt: stored.createdAt };
}
