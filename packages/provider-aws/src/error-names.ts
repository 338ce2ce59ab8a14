/**
 * Which AWS error a failure is: its name (from `name`, `__type` or `Code`),
 * the families of names the provider treats alike, and network error codes.
 * Classification only; the messages are in errors.ts.
 */
import { isTlsFailureCode } from "@org/secrets-core/provider";

/** Credential failures, each with what to do about it. */
export const CREDENTIAL_ERRORS: Readonly<Record<string, string>> = {
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

/** Throttling, under every name AWS services use for it. */
export const THROTTLING_ERRORS = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

/** The service failing internally. */
export const SERVICE_DOWN_ERRORS = new Set([
  "InternalServiceError",
  "InternalFailure",
  "ServiceUnavailable",
  "InternalServerError",
]);

/** Socket failures (and, by isTlsFailureCode, TLS ones): the request never got an answer. */
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

/** The known AWS error name of what the SDK threw, or `undefined`. */
export function knownName(error: unknown): string | undefined {
  const name = awsErrorName(error);
  return name !== undefined && KNOWN_ERROR_NAMES.has(name) ? name : undefined;
}

/** A network error code such as `ECONNREFUSED`, from the error or its causes. */
export function networkCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === "string" &&
    (NETWORK_CODES.has(code) || code.startsWith("UND_ERR") || isTlsFailureCode(code))
  )
    return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error ? networkCode(cause) : undefined;
}

/** Whether the SDK refused to send for want of a region. */
export function isRegionMissing(error: unknown): boolean {
  // The SDK's own words (thrown before any request), not the service's.
  const message = error instanceof Error && !("$metadata" in error) ? error.message : "";
  return /^Region is missing|^Region not accepted/.test(message);
}
