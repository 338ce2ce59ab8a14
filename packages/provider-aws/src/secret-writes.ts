/**
 * The write protocols Secrets Manager leaves to its callers: an atomic
 * create-only write, an unconditional write, and a write checked against the
 * current version; metadata follows the value as tags.
 */
import { createHash, randomUUID } from "node:crypto";
import type { DescribeSecretResponse, Tag } from "@aws-sdk/client-secrets-manager";
import { ProviderError, SecretConflictError, SecretError } from "@org/secrets-core/provider";
import type { AwsClient, Target } from "./client.js";
import { awsErrorName, isAwsError } from "./error-names.js";
import { toSecretError } from "./errors.js";
import { DISPLAY_NAME, PROVIDER_NAME } from "./names.js";
import { requestFailure } from "./request-failure.js";
import { describeSecret, readSecret, scheduled, shown } from "./secret-reads.js";
import { metadataTags } from "./tags.js";

export interface WriterOptions {
  /** KMS key that encrypts secrets this provider creates. */
  kmsKeyId: string | undefined;
  /** Tags put on secrets this provider creates. */
  tags: Readonly<Record<string, string>>;
}

export class SecretWriter {
  readonly #aws: AwsClient;
  readonly #options: WriterOptions;

  constructor(aws: AwsClient, options: WriterOptions) {
    this.#aws = aws;
    this.#options = options;
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
    const result = await this.#aws.attempt(
      ({ sdk, client }, o) => client.send(new sdk.CreateSecretCommand(input), o),
      signal,
      this.#aws.context("create", "CreateSecret", target, [value]),
    );
    if (result.ok) return this.#written(target, "create", result.value.VersionId, token);
    const name = awsErrorName(result.error);
    if (name === "ResourceExistsException" || name === "InvalidRequestException") {
      const description = await describeSecret(this.#aws, target, signal).catch(() => undefined);
      if (description?.DeletedDate) throw scheduled(target, description, result.error);
      if (description?.VersionIdsToStages && Object.hasOwn(description.VersionIdsToStages, token))
        return token;
      if (name === "ResourceExistsException")
        throw new SecretConflictError(`Secret '${target.label}' already exists in ${DISPLAY_NAME}`, {
          provider: PROVIDER_NAME,
          secret: target.label,
          cause: requestFailure(result.error),
        });
    }
    throw toSecretError(result.error, this.#aws.context("create", "CreateSecret", target, [value]));
  }

  /** `PutSecretValue`: a new version becomes `AWSCURRENT`, the old one `AWSPREVIOUS`. */
  async put(target: Target, value: string, signal?: AbortSignal): Promise<string> {
    const token = randomUUID();
    const out = await this.#aws.call(
      this.#aws.context("write", "PutSecretValue", target, [value]),
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
    return this.#written(target, "write", out.VersionId, token);
  }

  /**
   * The version a write created: AWS makes the `ClientRequestToken` sent the
   * new version's id, so an answer naming another one (which could be any
   * text, the value included) is not used, and never returned as a version.
   */
  #written(target: Target, doing: string, answered: unknown, token: string): string {
    if (answered === undefined || answered === token) return token;
    throw new ProviderError(
      `${DISPLAY_NAME} at ${this.#aws.endpoint} answered the request to ${doing} secret ${shown(target)} with a version id other than the one sent: the answer was not used, and the value may have been written`,
      { provider: PROVIDER_NAME, secret: target.label },
    );
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
    const description = await describeSecret(this.#aws, target, signal);
    if (description?.DeletedDate) throw scheduled(target, description);
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
    const before = await describeSecret(this.#aws, target, signal);
    if (!before)
      throw new SecretConflictError(
        `Secret '${target.label}' no longer exists in ${DISPLAY_NAME}; read it again before writing`,
        { provider: PROVIDER_NAME, secret: target.label },
      );
    if (before.DeletedDate) throw scheduled(target, before);
    if (currentVersion(before) !== expected)
      throw new SecretConflictError(undefined, { provider: PROVIDER_NAME, secret: target.label });
    const mine = await this.#putAfter(target, value, expected, signal);
    await this.verify(target, mine, expected, signal);
    await this.tag(target, metadata, before.Tags, signal);
    return mine;
  }

  /**
   * `PutSecretValue` as the successor of version `base`: with the version id
   * every checked write from `base` uses, so only one of them can create it.
   * Resolves to that id; `SecretConflictError` when another write from `base`
   * created it first.
   */
  async #putAfter(target: Target, value: string, base: string, signal?: AbortSignal): Promise<string> {
    const id = successorVersionId(base);
    const result = await this.#aws.attempt(
      ({ sdk, client }, o) =>
        client.send(
          new sdk.PutSecretValueCommand({ SecretId: target.id, SecretString: value, ClientRequestToken: id }),
          o,
        ),
      signal,
      this.#aws.context("write", "PutSecretValue", target, [value]),
    );
    if (result.ok) return id;
    if (isAwsError(result.error, "ResourceExistsException"))
      throw new SecretConflictError(undefined, {
        provider: PROVIDER_NAME,
        secret: target.label,
        cause: requestFailure(result.error),
      });
    throw toSecretError(result.error, this.#aws.context("write", "PutSecretValue", target, [value]));
  }

  /**
   * After a checked put: our version must have replaced `expected`. If an
   * unconditional write slipped in between, ours displaced it: put its value
   * back and throw `SecretConflictError`. It is put back only on top of ours,
   * with the version id a checked write from ours would create: a checked
   * write that already came after ours is never undone (it stands, and the
   * error says their value could not be put back).
   */
  async verify(target: Target, mine: string, expected: string, signal?: AbortSignal): Promise<void> {
    const after = await describeSecret(this.#aws, target, signal);
    const stages = after?.VersionIdsToStages ?? {};
    // Someone wrote after us, so ours stood when they came.
    if (!stages[mine]?.includes("AWSCURRENT")) return;
    const displaced = Object.keys(stages).find((id) => stages[id]?.includes("AWSPREVIOUS"));
    if (displaced === undefined || displaced === expected) return;

    this.#aws.logger.warn("aws.write displaced a concurrent write; restoring its value", {
      provider: PROVIDER_NAME,
      name: target.label,
      secret_id: target.id,
      displaced_version: displaced,
    });
    let failure: unknown;
    try {
      const theirs = await readSecret(this.#aws, target, { id: displaced }, signal);
      if (theirs) await this.#putAfter(target, theirs.value, mine, signal);
    } catch (error) {
      failure = error;
    }
    if (failure instanceof SecretConflictError)
      throw new SecretConflictError(
        `Secret '${target.label}' was changed by someone else while it was being written, then written again on top of this write; their value could not be put back without undoing that newer write: check its current value`,
        { provider: PROVIDER_NAME, secret: target.label },
      );
    if (failure !== undefined)
      throw new SecretConflictError(
        `Secret '${target.label}' was changed by someone else while it was being written, and putting their value back failed: check its current value`,
        { provider: PROVIDER_NAME, secret: target.label, cause: failure },
      );
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
      await this.#aws.call(
        this.#aws.context("tag", "TagResource", target),
        ({ sdk, client }, o) =>
          client.send(new sdk.TagResourceCommand({ SecretId: target.id, Tags: tags }), o),
        signal,
      );
    } catch (error) {
      this.#aws.logger.warn("aws.tag failed: the value was written but its metadata was not stored", {
        provider: PROVIDER_NAME,
        name: target.label,
        error_code: error instanceof SecretError ? error.code : undefined,
        error: error instanceof Error ? error.message : undefined,
      });
    }
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

/** The version holding `AWSCURRENT`. */
export function currentVersion(description: DescribeSecretResponse): string | undefined {
  const stages = description.VersionIdsToStages ?? {};
  return Object.keys(stages).find((id) => stages[id]?.includes("AWSCURRENT"));
}
