import {
  AccessDeniedError,
  AuthenticationError,
  isSecretError,
  ProviderError,
  ProviderNotConfiguredError,
  ProviderUnavailableError,
  REDACTED,
  redact,
  SecretConflictError,
  SecretError,
  SecretScheduledForDeletionError,
} from "@org/secrets-core/provider";

export const PROVIDER_NAME = "aws";
export const DISPLAY_NAME = "AWS Secrets Manager";
/** The provider's own per-attempt timeout, in seconds (see config.ts). */
export const REQUEST_TIMEOUT_ENV = "SECRET_AWS_REQUEST_TIMEOUT";

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

const CREDENTIAL_ERRORS: Readonly<Record<string, string>> = {
  CredentialsProviderError:
    "no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile, web identity or instance role",
  UnrecognizedClientException:
    "the access key id is not recognised: check AWS_ACCESS_KEY_ID or the profile in use",
  InvalidClientTokenId: "the access key id is not recognised: check AWS_ACCESS_KEY_ID or the profile in use",
  InvalidSignatureException:
    "the request signature does not match: check AWS_SECRET_ACCESS_KEY and the system clock",
  SignatureDoesNotMatch:
    "the request signature does not match: check AWS_SECRET_ACCESS_KEY and the system clock",
  IncompleteSignature: "the request signature is incomplete: check the credentials in use",
  MissingAuthenticationToken: "the request carried no credentials: configure AWS credentials",
  ExpiredTokenException:
    "the security token has expired: refresh your AWS credentials (for example aws sso login)",
  ExpiredToken: "the security token has expired: refresh your AWS credentials (for example aws sso login)",
  TokenRefreshRequired: "the security token must be refreshed: refresh your AWS credentials",
  InvalidGrantException: "the SSO session is no longer valid: run aws sso login",
};

const THROTTLING_ERRORS = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

const SERVICE_DOWN_ERRORS = new Set([
  "InternalServiceError",
  "InternalFailure",
  "ServiceUnavailable",
  "InternalServerError",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ECONNABORTED",
  "EPROTO",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The AWS error name (`ResourceNotFoundException`…), from `name`, `__type` or `Code`; never the HTTP status. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { name?: unknown; __type?: unknown; Code?: unknown };
  const candidates = [e.__type, e.name, e.Code];
  for (const candidate of candidates) {
    if (typeof candidate !== "string" || candidate === "" || candidate === "Error") continue;
    // `__type` may be namespaced: `com.amazonaws.secretsmanager#ResourceNotFoundException`.
    const short = candidate.slice(candidate.lastIndexOf("#") + 1);
    return short.slice(short.lastIndexOf(":") + 1) || short;
  }
  return undefined;
}

export function isAwsError(error: unknown, ...names: string[]): boolean {
  const name = awsErrorName(error);
  return name !== undefined && names.includes(name);
}

/**
 * The AWS error names this provider knows. Only these are ever shown or kept:
 * an error name comes from the answer (`__type`, `x-amzn-ErrorType`), so a
 * proxy or gateway could put anything there, a value included.
 */
const KNOWN_ERROR_NAMES = new Set([
  ...Object.keys(CREDENTIAL_ERRORS),
  ...THROTTLING_ERRORS,
  ...SERVICE_DOWN_ERRORS,
  "AccessDeniedException",
  "AccessDenied",
  "DecryptionFailure",
  "EncryptionFailure",
  "ResourceExistsException",
  "ResourceNotFoundException",
  "InvalidRequestException",
  "InvalidParameterException",
  "InvalidParameterValue",
  "ValidationException",
  "LimitExceededException",
  "InvalidNextTokenException",
  "MalformedPolicyDocumentException",
  "PreconditionNotMetException",
  "PublicPolicyException",
  "SerializationException",
  "UnknownOperationException",
  "RequestEntityTooLargeException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "AbortError",
]);

/**
 * What is kept of a failed request: the AWS error name (when it is a known
 * one), the HTTP status, the request id, the attempts made and a network
 * error code. Never the body, the SDK's message or the raw response: every
 * byte a backend returns may be a secret. This, not the SDK's error, is the
 * `cause` of every error the provider throws.
 */
export class AwsRequestFailure extends Error {
  /** The AWS error name, e.g. `ValidationException`; `undefined` when unknown. */
  readonly awsErrorName: string | undefined;
  /** The HTTP status of the answer, when there was one. */
  readonly httpStatusCode: number | undefined;
  /** AWS's request id (`x-amzn-RequestId`), for AWS support. */
  readonly requestId: string | undefined;
  /** HTTP attempts the SDK made, retries included. */
  readonly attempts: number | undefined;
  /** A network error code such as `ECONNREFUSED`, when the request never got an answer. */
  readonly code: string | undefined;

  constructor(
    message: string,
    options: {
      awsErrorName?: string | undefined;
      httpStatusCode?: number | undefined;
      requestId?: string | undefined;
      attempts?: number | undefined;
      code?: string | undefined;
    } = {},
  ) {
    super(message);
    this.name = options.awsErrorName ?? "AwsRequestFailure";
    this.awsErrorName = options.awsErrorName;
    this.httpStatusCode = options.httpStatusCode;
    this.requestId = options.requestId;
    this.attempts = options.attempts;
    this.code = options.code;
  }

  toJSON(): Record<string, string | number> {
    const out: Record<string, string | number> = { name: this.name, message: this.message };
    if (this.httpStatusCode !== undefined) out.httpStatusCode = this.httpStatusCode;
    if (this.requestId !== undefined) out.requestId = this.requestId;
    if (this.attempts !== undefined) out.attempts = this.attempts;
    if (this.code !== undefined) out.code = this.code;
    return out;
  }
}

/** The known AWS error name of what the SDK threw, or `undefined`. */
function knownName(error: unknown): string | undefined {
  const name = awsErrorName(error);
  return name !== undefined && KNOWN_ERROR_NAMES.has(name) ? name : undefined;
}

interface Metadata {
  httpStatusCode: number | undefined;
  requestId: string | undefined;
  attempts: number | undefined;
}

function metadataOf(error: unknown): Metadata {
  const meta =
    typeof error === "object" && error !== null
      ? (error as { $metadata?: Record<string, unknown> }).$metadata
      : undefined;
  const status = meta?.httpStatusCode;
  const attempts = meta?.attempts;
  const requestId = meta?.requestId;
  return {
    httpStatusCode: typeof status === "number" && Number.isInteger(status) ? status : undefined,
    attempts: typeof attempts === "number" && Number.isInteger(attempts) ? attempts : undefined,
    requestId: typeof requestId === "string" ? requestId : undefined,
  };
}

/**
 * A request id is kept only when it has the shape of AWS's (a UUID) and holds
 * nothing that was sent: it comes from a response header, which anything
 * between us and AWS could fill with a value.
 */
function safeRequestId(id: string | undefined, sensitive: readonly string[]): string | undefined {
  if (id === undefined || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    return undefined;
  for (const value of sensitive) if (value.length >= 4 ? id.includes(value) : id === value) return undefined;
  if (scrub(id) !== id) return undefined;
  return id;
}

/** Core's redaction of known values; a text it cannot vouch for is dropped, never shown. */
function scrub(text: string): string {
  try {
    return redact(text);
  } catch {
    return REDACTED;
  }
}

/**
 * The failure to keep as `cause`: a fresh `AwsRequestFailure` built from the
 * error name, status, request id, attempts and network code of what the SDK
 * threw. `sensitive` are the values the request carried.
 */
export function requestFailure(error: unknown, sensitive: readonly string[] = []): AwsRequestFailure {
  if (error instanceof AwsRequestFailure) return error;
  const name = knownName(error);
  const { httpStatusCode, requestId, attempts } = metadataOf(error);
  const code = networkCode(error);
  const parts = [
    name ?? (code === undefined ? "an unrecognised error" : `network error ${code}`),
    httpStatusCode === undefined ? undefined : `HTTP ${httpStatusCode}`,
  ].filter((p) => p !== undefined);
  return new AwsRequestFailure(`${DISPLAY_NAME} request failed: ${parts.join(", ")}`, {
    awsErrorName: name,
    httpStatusCode,
    requestId: safeRequestId(requestId, sensitive),
    attempts,
    code,
  });
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

function networkCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || code.startsWith("UND_ERR"))) return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error ? networkCode(cause) : undefined;
}

function isRegionMissing(error: unknown): boolean {
  // The SDK's own words (thrown before any request), not the service's.
  const message = error instanceof Error && !("$metadata" in error) ? error.message : "";
  return /^Region is missing|^Region not accepted/.test(message);
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
