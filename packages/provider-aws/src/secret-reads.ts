/**
 * Reading one Secrets Manager secret: its description, one version's value
 * as text, and the errors for a secret in its recovery window or holding
 * binary data. "Absent" is `undefined`; a failure to ask is thrown.
 */
import type { DescribeSecretResponse } from "@aws-sdk/client-secrets-manager";
import { ProviderError, type SecretError } from "@org/secrets-core/provider";
import { answersFor } from "./answer-names.js";
import type { AwsClient, Target } from "./client.js";
import { awsErrorName, isAwsError } from "./error-names.js";
import { scheduledForDeletion, toSecretError } from "./errors.js";
import { DISPLAY_NAME, PROVIDER_NAME } from "./names.js";
import { MAX_SECRET_BYTES } from "./value.js";
import type { VersionSelector } from "./versions.js";

export interface StoredValue {
  value: string;
  versionId: string | undefined;
  /** When this version was written. */
  createdAt: Date | undefined;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** `DescribeSecret`, or `undefined` when the secret does not exist. */
export async function describeSecret(
  aws: AwsClient,
  target: Target,
  signal?: AbortSignal,
): Promise<DescribeSecretResponse | undefined> {
  const result = await aws.attempt(
    ({ sdk, client }, o) => client.send(new sdk.DescribeSecretCommand({ SecretId: target.id }), o),
    signal,
    aws.context("describe", "DescribeSecret", target),
  );
  if (result.ok) return result.value;
  if (isAwsError(result.error, "ResourceNotFoundException")) return undefined;
  throw toSecretError(result.error, aws.context("describe", "DescribeSecret", target));
}

/** The error for a secret in its recovery window. */
export function scheduled(target: Target, description: DescribeSecretResponse, cause?: unknown): SecretError {
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
export async function readSecret(
  aws: AwsClient,
  target: Target,
  version: VersionSelector,
  signal?: AbortSignal,
  describeFirst?: Promise<DescribeSecretResponse | undefined>,
): Promise<StoredValue | undefined> {
  const input =
    "stage" in version
      ? { SecretId: target.id, VersionStage: version.stage }
      : { SecretId: target.id, VersionId: version.id };
  const result = await aws.attempt(
    ({ sdk, client }, o) => client.send(new sdk.GetSecretValueCommand(input), o),
    signal,
    aws.context("read", "GetSecretValue", target),
  );
  if (result.ok) {
    const out = result.value;
    if (!answersFor(target.id, out.Name, out.ARN))
      throw new ProviderError(
        `${DISPLAY_NAME} at ${aws.endpoint} answered the request to read secret ${shown(target)} with another secret, or none: the answer was not used`,
        { provider: PROVIDER_NAME, secret: target.label },
      );
    return {
      value: decodeValue(target, out.SecretString, out.SecretBinary),
      versionId: out.VersionId,
      createdAt: out.CreatedDate,
    };
  }
  const name = awsErrorName(result.error);
  if (name === "ResourceNotFoundException") return undefined;
  if (name === "InvalidRequestException") {
    // AWS (and moto) refuse to read a secret that is scheduled for deletion with this error.
    const description = await (describeFirst ?? describeSecret(aws, target, signal)).catch(() => undefined);
    if (description?.DeletedDate) throw scheduled(target, description, result.error);
  }
  throw toSecretError(result.error, aws.context("read", "GetSecretValue", target));
}

/** A secret's value as text: `SecretString`, or `SecretBinary` when it is UTF-8. */
export function decodeValue(
  target: Target,
  text: string | undefined,
  binary: Uint8Array | undefined,
): string {
  if (typeof text === "string") {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: only long values need counting.
    if (text.length * 3 > MAX_SECRET_BYTES) tooLarge(target, Buffer.byteLength(text, "utf8"));
    return text;
  }
  if (binary !== undefined) {
    tooLarge(target, binary.byteLength);
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

/** Refuse a value over the size a secret may hold: an answer that large did not come from Secrets Manager. */
function tooLarge(target: Target, bytes: number): void {
  if (bytes <= MAX_SECRET_BYTES) return;
  throw new ProviderError(
    `Secret ${shown(target)} as ${DISPLAY_NAME} answered holds ${bytes} bytes, over the ${MAX_SECRET_BYTES} bytes a secret may hold: it was not read`,
    { provider: PROVIDER_NAME, secret: target.label },
  );
}

/**
 * A secret that holds binary data (`SecretBinary`) that is not UTF-8 text:
 * this toolkit reads text only. Thrown by a single read; bulk reads name every
 * such secret (see the provider's `getMany`).
 */
export class BinarySecretError extends ProviderError {
  /** Every secret of the read that holds binary data: one for a single read, possibly several for a bulk read. */
  readonly secrets: readonly string[];
  /** Standard message (when `message` is `undefined`): `Secret 'NAME' (prefix/NAME) holds binary data ...`, naming every target. */
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
export function shown(target: Target): string {
  return target.id === target.label ? `'${target.label}'` : `'${target.label}' (${target.id})`;
}
