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
  type SecretError,
  SecretScheduledForDeletionError,
} from "@org/secrets-core";

export const PROVIDER_NAME = "aws";
export const DISPLAY_NAME = "AWS Secrets Manager";

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

/** AWS's own message, made one line and safe to show: no value sent with the request survives. */
export function safeServiceMessage(error: unknown, sensitive: readonly string[] = []): string {
  const raw =
    typeof error === "object" && error !== null ? (error as { message?: unknown }).message : undefined;
  let text = typeof raw === "string" ? raw : "";
  for (const value of sensitive) {
    if (value.length < 4) continue;
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]))
      text = text.split(form).join(REDACTED);
  }
  // Validation messages may quote what was sent: `Value 'abc' at 'secretString' failed…`.
  text = text.replace(/\b(value)\s+(['"`]).*?\2/gi, `$1 ${REDACTED}`);
  text = redact(text).replace(
    /^An error occurred \([A-Za-z]+\) when calling the [A-Za-z]+ operation:\s*/i,
    "",
  );
  text = text.replace(/\s+/g, " ").trim();
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
}

function about(ctx: AwsErrorContext): string {
  if (ctx.secret === undefined) return "";
  const id = ctx.secretId !== undefined && ctx.secretId !== ctx.secret ? ` (${ctx.secretId})` : "";
  return ` secret '${ctx.secret}'${id}`;
}

/**
 * Turn what the SDK threw into one of core's errors, by the error's name.
 * Messages are one line, name the secret and what to do, and never hold a value.
 * `ResourceNotFoundException` is handled by callers (it means "absent"); when
 * it reaches here it is reported as a provider error naming the secret.
 */
export function toSecretError(error: unknown, ctx: AwsErrorContext): SecretError {
  if (isSecretError(error)) return error;
  const name = awsErrorName(error);
  const secretOpt = ctx.secret === undefined ? {} : { secret: ctx.secret };
  const target = about(ctx);
  const detail = safeServiceMessage(error, ctx.sensitive);
  const attempts = (error as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  const tries = typeof attempts === "number" && attempts > 1 ? ` after ${attempts} attempts` : "";

  if (name !== undefined && Object.hasOwn(CREDENTIAL_ERRORS, name))
    return new AuthenticationError(PROVIDER_NAME, DISPLAY_NAME, CREDENTIAL_ERRORS[name], error);

  if (name === "AccessDeniedException" || name === "AccessDenied")
    return new AccessDeniedError(
      PROVIDER_NAME,
      `Access denied by ${DISPLAY_NAME} to ${ctx.doing}${target}: allow ${ctx.action} for this caller${ctx.secretId ? ` on ${ctx.secretId}` : ""}`,
      { ...secretOpt, cause: error },
    );

  if (name !== undefined && THROTTLING_ERRORS.has(name))
    return new ProviderUnavailableError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} throttled the request to ${ctx.doing}${target}${tries}: retry later, or lower the request rate`,
      { ...secretOpt, cause: error },
    );

  if (name !== undefined && SERVICE_DOWN_ERRORS.has(name))
    return new ProviderUnavailableError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} failed internally while trying to ${ctx.doing}${target}${tries}: retry later`,
      { ...secretOpt, cause: error },
    );

  if (name === "DecryptionFailure")
    return new ProviderError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} could not decrypt${target || " the secret"} with its KMS key: allow kms:Decrypt on that key for this caller, and check the key is enabled`,
      { ...secretOpt, cause: error },
    );

  if (name === "EncryptionFailure")
    return new ProviderError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} could not encrypt${target || " the secret"} with its KMS key: check SECRET_AWS_KMS_KEY_ID, that the key is enabled, and allow kms:GenerateDataKey and kms:Decrypt on it`,
      { ...secretOpt, cause: error },
    );

  if (name === "ResourceExistsException")
    return new SecretConflictError(
      PROVIDER_NAME,
      ctx.secret ?? ctx.secretId ?? "",
      `Secret '${ctx.secret ?? ctx.secretId}' already exists in ${DISPLAY_NAME}`,
      error,
    );

  if (name === "ResourceNotFoundException")
    return new ProviderError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} could not find${target || " the secret"} while trying to ${ctx.doing}${detail ? `: ${detail}` : ""}`,
      { ...secretOpt, cause: error },
    );

  if (name === "InvalidRequestException")
    return new ProviderError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} refused to ${ctx.doing}${target} in its current state${detail ? `: ${detail}` : ""}`,
      { ...secretOpt, cause: error },
    );

  if (
    name === "InvalidParameterException" ||
    name === "ValidationException" ||
    name === "InvalidParameterValue"
  )
    return new ProviderError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} rejected a parameter of the request to ${ctx.doing}${target}${detail ? `: ${detail}` : ""}`,
      { ...secretOpt, cause: error },
    );

  if (name === "LimitExceededException")
    return new ProviderError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} quota exceeded while trying to ${ctx.doing}${target}${detail ? `: ${detail}` : ""}`,
      { ...secretOpt, cause: error },
    );

  if (isRegionMissing(error))
    return new ProviderNotConfiguredError(
      PROVIDER_NAME,
      "set AWS_REGION (or AWS_DEFAULT_REGION, or a region in your AWS profile)",
      { missing: ["AWS_REGION"], cause: error },
    );

  const network = networkCode(error);
  if (network !== undefined)
    return new ProviderUnavailableError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} at ${ctx.endpoint()} is unreachable (${network}${tries}) while trying to ${ctx.doing}${target}: check the network, AWS_REGION and AWS_ENDPOINT_URL_SECRETS_MANAGER`,
      { ...secretOpt, cause: error },
    );

  if (name === "TimeoutError" || name === "RequestTimeout" || name === "RequestTimeoutException")
    return new ProviderUnavailableError(
      PROVIDER_NAME,
      `${DISPLAY_NAME} at ${ctx.endpoint()} did not answer in time${tries} while trying to ${ctx.doing}${target}: retry later`,
      { ...secretOpt, cause: error },
    );

  return new ProviderError(
    PROVIDER_NAME,
    `${DISPLAY_NAME} failed to ${ctx.doing}${target}${name ? ` (${name})` : ""}${detail ? `: ${detail}` : ""}`,
    { ...secretOpt, cause: error },
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
  const message = error instanceof Error ? error.message : "";
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
    PROVIDER_NAME,
    secret,
    `Secret '${secret}'${shown} is scheduled for deletion in ${DISPLAY_NAME}${when}: restore it with ${restoreHint}`,
    deletionDate,
    cause,
  );
}
