/** Deleting one Secrets Manager secret (with a recovery window, or for good) and restoring it. */
import { SecretNotFoundError } from "@org/secrets-core/provider";
import type { AwsClient, Target } from "./client.js";
import { awsErrorName, isAwsError } from "./error-names.js";
import { toSecretError } from "./errors.js";
import { DISPLAY_NAME, PROVIDER_NAME } from "./names.js";
import { requestFailure } from "./request-failure.js";
import { describeSecret } from "./secret-reads.js";

/** `RestoreSecret`; `false` when the secret does not exist. */
export async function restoreSecret(aws: AwsClient, target: Target, signal?: AbortSignal): Promise<boolean> {
  const result = await aws.attempt(
    ({ sdk, client }, o) => client.send(new sdk.RestoreSecretCommand({ SecretId: target.id }), o),
    signal,
    aws.context("restore", "RestoreSecret", target),
  );
  if (result.ok) return true;
  if (isAwsError(result.error, "ResourceNotFoundException")) return false;
  throw toSecretError(result.error, aws.context("restore", "RestoreSecret", target));
}

/**
 * `DeleteSecret` with a recovery window, or without one (`permanent`).
 * `false` when there was nothing to delete, including a secret already
 * scheduled for deletion (unless `permanent`, which then deletes it at once).
 * A request the SDK sent more than once may have been applied by an attempt
 * whose answer was lost: the later attempt then finds the secret scheduled
 * for deletion, which is this delete's own doing, and `true`.
 */
export async function deleteSecret(
  aws: AwsClient,
  target: Target,
  permanent: boolean,
  recoveryWindowDays: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const input = permanent
    ? { SecretId: target.id, ForceDeleteWithoutRecovery: true }
    : { SecretId: target.id, RecoveryWindowInDays: recoveryWindowDays };
  const send = () =>
    aws.attempt(
      ({ sdk, client }, o) => client.send(new sdk.DeleteSecretCommand(input), o),
      signal,
      aws.context("delete", "DeleteSecret", target),
    );
  // A forced delete of a secret that does not exist succeeds; look first, to answer "did it exist".
  if (permanent && !(await describeSecret(aws, target, signal))) return false;
  const result = await send();
  if (result.ok) return true;
  const name = awsErrorName(result.error);
  if (name === "ResourceNotFoundException") return false;
  if (name === "InvalidRequestException") {
    const description = await describeSecret(aws, target, signal).catch(() => undefined);
    if (description?.DeletedDate) {
      if (!permanent) return (requestFailure(result.error).attempts ?? 1) > 1;
      // Already in its recovery window: cancel that, then delete for good.
      await restoreSecret(aws, target, signal);
      const again = await send();
      if (again.ok) return true;
      throw toSecretError(again.error, aws.context("delete", "DeleteSecret", target));
    }
  }
  throw toSecretError(result.error, aws.context("delete", "DeleteSecret", target));
}

/** The error for restoring a secret that is gone: `what` names it, as the layout shows it. */
export function nothingToRestore(what: string, name: string): SecretNotFoundError {
  return new SecretNotFoundError(
    `${what} was not found in ${DISPLAY_NAME}: there is nothing to restore (a secret deleted permanently, or past its recovery window, is gone)`,
    { secret: name, provider: PROVIDER_NAME },
  );
}
