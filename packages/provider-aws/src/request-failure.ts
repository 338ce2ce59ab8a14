/** The `cause` of the provider's errors: what is kept of a failed request, and nothing else. */
import { REDACTED, redact } from "@org/secrets-core/provider";
import { knownName, networkCode } from "./error-names.js";
import { DISPLAY_NAME } from "./names.js";

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
