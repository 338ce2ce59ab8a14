/**
 * Bulk reads of the per-secret layout: values with `BatchGetSecretValue` (20
 * names a request), tags and creation dates beside them with `ListSecrets`
 * filtered by name (10 a request), single reads when batching is refused or a
 * version is asked for, and one error naming every secret that failed.
 */
import {
  chunk,
  type Logger,
  mapConcurrent,
  ProviderError,
  type ReadOptions,
  SecretError,
  type SecretRecord,
} from "@org/secrets-core/provider";
import { answersFor } from "../answer-names.js";
import type { AwsClient, Target } from "../client.js";
import { isAwsError } from "../error-names.js";
import { toSecretError } from "../errors.js";
import { DISPLAY_NAME, PROVIDER_NAME } from "../names.js";
import { requestFailure } from "../request-failure.js";
import {
  BinarySecretError,
  decodeValue,
  describeSecret,
  readSecret,
  scheduled,
  shown,
} from "../secret-reads.js";
import { metadataFromTags } from "../tags.js";
import { CURRENT, versionSelector } from "../versions.js";

/** `BatchGetSecretValue` takes at most 20 secret ids a call. */
export const BATCH_SIZE = 20;
const BATCH_CONCURRENCY = 4;
/** `ListSecrets` takes at most 10 values in one filter. */
const LIST_FILTER_VALUES = 10;
/** The failure code of a secret holding binary data, in a bulk read. */
const BINARY = "binary";

type Failure = { name: string; error: unknown; code: string | undefined };
type ListedMetadata = { createdAt: Date | undefined; metadata: Record<string, string> | undefined };

export interface BulkReaderOptions {
  aws: AwsClient;
  logger: Logger;
  /** Single reads in flight at once. */
  readConcurrency: number;
  target: (name: string) => Target;
}

export class BulkReader {
  readonly #aws: AwsClient;
  readonly #logger: Logger;
  readonly #readConcurrency: number;
  readonly #target: (name: string) => Target;
  /** Set once `BatchGetSecretValue` was refused: bulk reads then use single reads. */
  #batchDenied = false;
  /** Set once `ListSecrets` was refused: bulk reads then carry no tags or creation date. */
  #listDenied = false;

  constructor(options: BulkReaderOptions) {
    this.#aws = options.aws;
    this.#logger = options.logger;
    this.#readConcurrency = options.readConcurrency;
    this.#target = options.target;
  }

  /**
   * Several secrets: values with `BatchGetSecretValue`, one request per 20
   * names and nothing else. With `metadata`, also (in parallel) their tags and
   * creation dates with `ListSecrets` filtered by name, one request per 10
   * names. Missing names are absent. Earlier versions are read one by one.
   */
  async getMany(names: readonly string[], options: ReadOptions): Promise<Map<string, SecretRecord>> {
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
    const failures: Failure[] = [];
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
        if (!isAwsError(error, "AccessDeniedException"))
          throw toSecretError(error, this.#aws.context("read secrets in bulk", "BatchGetSecretValue"));
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
  async #listMetadata(names: readonly string[], signal?: AbortSignal): Promise<Map<string, ListedMetadata>> {
    const out = new Map<string, ListedMetadata>();
    if (this.#listDenied) return out;
    const wanted = new Map(names.map((name) => [this.#target(name).id, name]));
    const filters = chunk([...wanted.keys()], LIST_FILTER_VALUES);
    try {
      await mapConcurrent(filters, BATCH_CONCURRENCY, async (values) => {
        const input = { MaxResults: 100, Filters: [{ Key: "name" as const, Values: values }] };
        for await (const page of this.#aws.pages("ListSecrets", input, signal)) {
          for (const entry of page.SecretList ?? []) {
            const name = entry.Name === undefined ? undefined : wanted.get(entry.Name);
            if (name !== undefined)
              out.set(name, { createdAt: entry.CreatedDate, metadata: metadataFromTags(entry.Tags) });
          }
        }
      });
    } catch (error) {
      // The deadline passed: the bulk read fails with it, metadata or not.
      if (error instanceof SecretError || this.#aws.cancelled(error, signal)) return out;
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

  /** One `BatchGetSecretValue` call (every page of it), its per-secret `Errors` collected. */
  async #readBatch(
    batch: readonly string[],
    out: Map<string, SecretRecord>,
    failures: Failure[],
    signal?: AbortSignal,
  ): Promise<void> {
    const byId = new Map(batch.map((name) => [this.#target(name).id, name]));
    /** The names an entry (a value or an error) was answered for, over every page. */
    const answered = new Set<string>();
    const once = (name: string): void => {
      if (answered.has(name)) throw this.#invalidAnswer(`secret ${shown(this.#target(name))} twice`);
      answered.add(name);
    };
    for await (const response of this.#aws.pages(
      "BatchGetSecretValue",
      { SecretIdList: [...byId.keys()] },
      signal,
    )) {
      for (const entry of response.SecretValues ?? []) {
        // Without a name the entry is about nobody: the secret it left out is reported below.
        if (entry.Name === undefined) continue;
        const name = byId.get(entry.Name);
        if (name === undefined) throw this.#invalidAnswer("an entry for a secret that was not asked for");
        if (!answersFor(entry.Name, entry.Name, entry.ARN))
          throw this.#invalidAnswer(
            `an entry for secret ${shown(this.#target(name))} whose ARN names another secret`,
          );
        once(name);
        let value: string;
        try {
          value = decodeValue(this.#target(name), entry.SecretString, entry.SecretBinary);
        } catch (error) {
          failures.push({ name, error, code: error instanceof BinarySecretError ? BINARY : undefined });
          continue;
        }
        out.set(name, { value, version: entry.VersionId, updatedAt: entry.CreatedDate });
      }
      for (const entry of response.Errors ?? []) {
        const name = entry.SecretId !== undefined ? byId.get(entry.SecretId) : undefined;
        if (name === undefined) continue;
        once(name);
        if (entry.ErrorCode === "ResourceNotFoundException") continue;
        // Only the error code is kept: the entry's Message is the service's text.
        const error = Object.assign(new Error("failed"), { name: entry.ErrorCode ?? "Error" });
        failures.push({ name, error, code: entry.ErrorCode });
      }
    }
    // A name the answer is silent about is not absent: only an error entry says so.
    const missing = [...byId.values()].filter((name) => !answered.has(name));
    if (missing.length > 0)
      throw this.#invalidAnswer(
        `no entry for ${missing.length === 1 ? "secret" : "secrets"} ${missing.map((name) => shown(this.#target(name))).join(", ")}`,
      );
  }

  /** An answer that does not match what was asked: it is not used, nothing of it is attributed to a name. */
  #invalidAnswer(what: string): ProviderError {
    return new ProviderError(
      `${DISPLAY_NAME} at ${this.#aws.endpoint} answered the request to read secrets in bulk (BatchGetSecretValue) with ${what}: the answer was not used`,
      { provider: PROVIDER_NAME },
    );
  }

  /**
   * The error for a bulk read in which some secrets failed: the most telling
   * one, its message naming every other secret that failed too, so a caller
   * can read the others one by one. Secrets holding binary data are named
   * together in one `BinarySecretError`.
   */
  async #batchFailure(failures: Failure[], signal?: AbortSignal): Promise<Error> {
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
      const description = await describeSecret(this.#aws, target, signal).catch(() => undefined);
      if (description?.DeletedDate) error = scheduled(target, description, first.error);
    }
    const binary = sorted.filter((f) => f.code === BINARY);
    if (error === undefined && first.code === BINARY)
      error = new BinarySecretError(undefined, { targets: binary.map((f) => this.#target(f.name)) });
    error ??= toSecretError(first.error, this.#aws.context("read", "GetSecretValue", target));
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
      const stored = await readSecret(this.#aws, this.#target(name), selector, options.signal);
      return stored && { value: stored.value, version: stored.versionId, updatedAt: stored.createdAt };
    });
    names.forEach((name, i) => {
      const record = records[i];
      if (record) out.set(name, record);
    });
    return out;
  }
}
