/**
 * Failures of an HTTP exchange itself (no usable answer): timeout, abort,
 * refused redirect, network, TLS, oversized answer, a success that is not JSON. Their messages are made of
 * our words and Node's own connection wording, never of what a server sent.
 */

import { isTlsFailureCode } from "@org/secrets-core/provider";

export type HttpFailureKind =
  | "timeout"
  | "aborted"
  | "redirect"
  | "network"
  | "tls"
  | "too-large"
  | "not-json";

/**
 * A failure of the exchange itself (no usable HTTP answer). Its message is
 * made of our words, the method and the path; for a refused redirect, the
 * origin it pointed to (never its path or query).
 */
export class HttpFailure extends Error {
  readonly kind: HttpFailureKind;
  readonly code: string | undefined;
  /** A refused redirect's target origin, such as `https://vault-1.internal:8200`. */
  readonly target: string | undefined;
  /** A refused redirect's status. */
  readonly status: number | undefined;

  constructor(
    message: string,
    options: { kind: HttpFailureKind; code?: string; target?: string; status?: number; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HttpFailure";
    this.kind = options.kind;
    this.code = options.code;
    this.target = options.target;
    this.status = options.status;
  }
}

/** Node's own wording for connection errors: `connect ECONNREFUSED 127.0.0.1:8200`, `socket hang up`. */
export const NODE_NETWORK_MESSAGE =
  /^((connect|getaddrinfo|read|write) [A-Z_]+( [\w.:[\]-]+)?|socket hang up)$/;

export function abortedFailure(reason: unknown): HttpFailure {
  return new HttpFailure("aborted", { kind: "aborted", code: "ABORT_ERR", cause: reason });
}

/** A socket error as a network or TLS failure, keeping only its code and Node's own wording. */
export function networkFailure(error: NodeJS.ErrnoException): HttpFailure {
  const code = typeof error.code === "string" ? error.code : "ECONNRESET";
  const own = typeof error.message === "string" ? error.message : "";
  if (isTlsFailureCode(code))
    return new HttpFailure(`${code}: ${/^[\w .,'-]{1,120}$/.test(own) ? own : "certificate not trusted"}`, {
      kind: "tls",
      code,
    });
  return new HttpFailure(NODE_NETWORK_MESSAGE.test(own) ? own : code, { kind: "network", code });
}
