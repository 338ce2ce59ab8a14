/**
 * The errors the provider throws, in words of its own: what the SDK threw,
 * mapped by its name to one of core's error classes, with a one-line message
 * naming the secret and what to do. Nothing the service answered is copied.
 */
import {
  AccessDeniedError,
  AuthenticationError,
  isSecretError,
  isTlsFailureCode,
  ProviderError,
  ProviderNotConfiguredError,
  ProviderUnavailableError,
  SecretConflictError,
  SecretError,
  SecretScheduledForDeletionError,
} from "@org/secrets-core/provider";
import { AnswerTooLargeError } from "./answer-bounds.js";
import {
  awsErrorName,
  CREDENTIAL_ERRORS,
  isRegionMissing,
  SERVICE_DOWN_ERRORS,
  THROTTLING_ERRORS,
} from "./error-names.js";
import { DISPLAY_NAME, PROVIDER_NAME } from "./names.js";
import { type AwsRequestFailure, requestFailure } from "./request-failure.js";
import { AWS_PROVIDER_ENV } from "./settings.js";

/** The provider's own per-attempt timeout, in seconds (see config.ts). */
const REQUEST_TIMEOUT_ENV = AWS_PROVIDER_ENV.requestTimeout;

/** What an error is about, for a message a person can act on. */
export interface AwsErrorContext {
  /** A verb phrase: `read`, `write`, `delete`, `list secrets`… */
  doing: string;
  /** The toolkit's name of the secret (or the document), when there is one. */
  secret?: string | undefined;
  /** The Secrets Manager name, when it differs from `secret`. */
  secretId?: string | undefined;
  /** The IAM action the request needs, e.g. `secretsmanager:GetSecretValue`. */
  action: string;
  /** Where requests go, for network errors. */
  endpoint: () => string;
  /** Values sent with the request; scrubbed from any text the service echoes back. */
  sensitive?: readonly string[] | undefined;
}

/** `(ValidationException, HTTP 400)`: what failed, in words we control. */
function describe(failure: AwsRequestFailure): string {
  const parts = [
    failure.awsErrorName,
    failure.httpStatusCode === undefined ? undefined : `HTTP ${failure.httpStatusCode}`,
  ].filter((p) => p !== undefined);
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

/** An endpoint as messages show it: scheme, host and port only (never userinfo, path or query). */
export function displayEndpoint(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== "http:" && url.protocol !== "https:") return "the configured endpoint";
    return url.origin;
  } catch {
    return "the configured endpoint";
  }
}

/** `16 MiB`, `64 KiB`, or bytes when neither divides it. */
function byteSize(bytes: number): string {
  if (bytes % 1_048_576 === 0) return `${bytes / 1_048_576} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function about(ctx: AwsErrorContext): string {
  if (ctx.secret === undefined) return "";
  const id = ctx.secretId !== undefined && ctx.secretId !== ctx.secret ? ` (${ctx.secretId})` : "";
  return ` secret '${ctx.secret}'${id}`;
}

/** The reason an aborted request was aborted: core's own error, when core set one. */
function abortReason(error: unknown): unknown {
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    if (isSecretError(e)) return e;
    if (typeof e !== "object" || e === null) return undefined;
    if ((e as { name?: unknown }).name === "TimeoutError" && depth > 0) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turn what the SDK threw into one of core's errors, by the error's name.
 * Messages are one line, name the secret and what to do, and are built only
 * from the error name, the HTTP status and words of our own: nothing the
 * service (or anything between) answered is copied. The `cause` is an
 * `AwsRequestFailure`, never the SDK's error (which holds the raw response).
 * `ResourceNotFoundException` is handled by callers (it means "absent"); when
 * it reaches here it is reported as a provider error naming the secret.
 */
export function toSecretError(error: unknown, ctx: AwsErrorContext): SecretError {
  if (isSecretError(error)) return error;
  const name = awsErrorName(error);
  const cause = requestFailure(error, ctx.sensitive);
  const secretOpt = ctx.secret === undefined ? {} : { secret: ctx.secret };
  const target = about(ctx);
  const what = describe(cause);
  const status = cause.httpStatusCode;
  const tries = cause.attempts !== undefined && cause.attempts > 1 ? ` after ${cause.attempts} attempts` : "";

  if (name === "AbortError") {
    const reason = abortReason(error);
    if (isSecretError(reason)) return reason;
    if (reason !== undefined)
      return new SecretError(
        `${DISPLAY_NAME} did not answer before the deadline while trying to ${ctx.doing}${target}`,
        { code: "TIMEOUT", provider: PROVIDER_NAME, ...secretOpt, cause },
      );
    return new ProviderUnavailableError(
      `The request to ${DISPLAY_NAME} to ${ctx.doing}${target} was cancelled before it was answered`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );
  }

  if (error instanceof AnswerTooLargeError)
    return new ProviderError(
      `${DISPLAY_NAME} at ${ctx.endpoint()} sent an answer${status === undefined ? "" : ` (HTTP ${status})`} larger than ${byteSize(error.limit)}${tries} to the request to ${ctx.doing}${target}; it was cut off there: check the endpoint`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (status !== undefined && status >= 300 && status < 400)
    return new ProviderError(
      `${DISPLAY_NAME} at ${ctx.endpoint()} answered the request to ${ctx.doing}${target} with a redirect (HTTP ${status}), which is not followed: point AWS_ENDPOINT_URL_SECRETS_MANAGER (or the client's endpoint) at the service itself`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (name !== undefined && Object.hasOwn(CREDENTIAL_ERRORS, name))
    return new AuthenticationError(undefined, {
      provider: PROVIDER_NAME,
      displayName: DISPLAY_NAME,
      reason: CREDENTIAL_ERRORS[name],
      cause,
    });

  if (name === "AccessDeniedException" || name === "AccessDenied")
    return new AccessDeniedError(
      `Access denied by ${DISPLAY_NAME} to ${ctx.doing}${target}: allow ${ctx.action} for this caller${ctx.secretId ? ` on ${ctx.secretId}` : ""}`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (name !== undefined && THROTTLING_ERRORS.has(name))
    return new ProviderUnavailableError(
      `${DISPLAY_NAME} throttled the request to ${ctx.doing}${target}${tries}: retry later, or lower the request rate`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (name !== undefined && SERVICE_DOWN_ERRORS.has(name))
    return new ProviderUnavailableError(
      `${DISPLAY_NAME} failed internally while trying to ${ctx.doing}${target}${tries}: retry later`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (name === "DecryptionFailure")
    return new ProviderError(
      `${DISPLAY_NAME} could not decrypt${target || " the secret"} with its KMS key: allow kms:Decrypt on that key for this caller, and check the key is enabled`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (name === "EncryptionFailure")
    return new ProviderError(
      `${DISPLAY_NAME} could not encrypt${target || " the secret"} with its KMS key: check SECRET_AWS_KMS_KEY_ID, that the key is enabled, and allow kms:GenerateDataKey and kms:Decrypt on it`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (name === "ResourceExistsException")
    return new SecretConflictError(
      `Secret '${ctx.secret ?? ctx.secretId}' already exists in ${DISPLAY_NAME}`,
      { provider: PROVIDER_NAME, secret: ctx.secret ?? ctx.secretId ?? "", cause },
    );

  if (name === "ResourceNotFoundException")
    return new ProviderError(
      `${DISPLAY_NAME} could not find${target || " the secret"} while trying to ${ctx.doing}`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (name === "InvalidRequestException")
    return new ProviderError(`${DISPLAY_NAME} refused to ${ctx.doing}${target} in its current state${what}`, {
      provider: PROVIDER_NAME,
      ...secretOpt,
      cause,
    });

  if (
    name === "InvalidParameterException" ||
    name === "ValidationException" ||
    name === "InvalidParameterValue"
  )
    return new ProviderError(
      `${DISPLAY_NAME} rejected a parameter of the request to ${ctx.doing}${target}${what}`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (name === "LimitExceededException")
    return new ProviderError(`${DISPLAY_NAME} quota exceeded while trying to ${ctx.doing}${target}`, {
      provider: PROVIDER_NAME,
      ...secretOpt,
      cause,
    });

  if (isRegionMissing(error))
    return new ProviderNotConfiguredError(undefined, {
      provider: PROVIDER_NAME,
      reason: "set AWS_REGION (or AWS_DEFAULT_REGION, or a region in your AWS profile)",
      missing: ["AWS_REGION"],
      cause,
    });

  const network = cause.code;
  if (network !== undefined && isTlsFailureCode(network))
    return new ProviderUnavailableError(
      `TLS verification of ${DISPLAY_NAME} at ${ctx.endpoint()} failed (${network}${tries}) while trying to ${ctx.doing}${target}: trust the CA that signed its certificate with NODE_EXTRA_CA_CERTS, or check the endpoint`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );
  // OpenSSL's "wrong version number": the server answered the TLS handshake with something else, plain HTTP most often.
  if (network === "EPROTO" && ctx.endpoint().startsWith("https:"))
    return new ProviderUnavailableError(
      `${DISPLAY_NAME} at ${ctx.endpoint()} did not answer the TLS handshake (EPROTO${tries}) while trying to ${ctx.doing}${target}: if the endpoint speaks plain HTTP, give it as http:// in AWS_ENDPOINT_URL_SECRETS_MANAGER`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );
  if (network !== undefined && network !== "ETIMEDOUT")
    return new ProviderUnavailableError(
      `${DISPLAY_NAME} at ${ctx.endpoint()} is unreachable (${network}${tries}) while trying to ${ctx.doing}${target}: check the network, AWS_REGION and AWS_ENDPOINT_URL_SECRETS_MANAGER`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (name === "TimeoutError" || name === "RequestTimeout" || name === "RequestTimeoutException")
    return new ProviderUnavailableError(
      `${DISPLAY_NAME} at ${ctx.endpoint()} did not answer in time${tries} while trying to ${ctx.doing}${target}: retry later, or raise ${REQUEST_TIMEOUT_ENV}`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  if (status !== undefined && status >= 500)
    return new ProviderUnavailableError(
      `${DISPLAY_NAME} at ${ctx.endpoint()} failed${what}${tries} while trying to ${ctx.doing}${target}: retry later`,
      { provider: PROVIDER_NAME, ...secretOpt, cause },
    );

  return new ProviderError(
    `${DISPLAY_NAME} failed to ${ctx.doing}${target}${what || " (an unrecognised error)"}`,
    { provider: PROVIDER_NAME, ...secretOpt, cause },
  );
}

/** The error for a secret in its recovery window: when it goes, and how to get it back. */
export function scheduledForDeletion(
  secret: string,
  secretId: string,
  deletedDate: Date | undefined,
  restoreHint: string,
  now: Date = new Date(),
  cause?: unknown,
): SecretScheduledForDeletionError {
  const shown = secretId !== secret ? ` (${secretId})` : "";
  let when = "";
  let deletionDate: Date | undefined;
  if (deletedDate && !Number.isNaN(deletedDate.getTime())) {
    if (deletedDate.getTime() > now.getTime()) {
      deletionDate = deletedDate;
      when = ` and will be deleted permanently after ${deletedDate.toISOString()}`;
    } else {
      when = ` since ${deletedDate.toISOString()}`;
    }
  }
  return new SecretScheduledForDeletionError(
    `Secret '${secret}'${shown} is scheduled for deletion in ${DISPLAY_NAME}${when}: restore it with ${restoreHint}`,
    {
      provider: PROVIDER_NAME,
      secret,
      deletionDate,
      cause: cause === undefined || isSecretError(cause) ? cause : requestFailure(cause),
    },
  );
}
