/**
 * Classification of what the HTTP client rejected with: an accepted status
 * becomes an answer, everything else one `Failure` kind (HTTP status, timeout,
 * network, TLS, abort, redirect, other) keeping only codes, Node's own
 * connection wording and allow-listed Vault phrases.
 */
import { isTlsFailureCode } from "@org/secrets-core/provider";
import { HttpFailure, NODE_NETWORK_MESSAGE } from "./http-failure.js";
import { knownPhrases, PHRASE, vaultErrors } from "./phrases.js";
import type { VaultResponse } from "./request.js";

export type Failure =
  | {
      kind: "http";
      status: number;
      body: unknown;
      errors: string[];
      /** A status the caller takes as an answer (404), in a body that is not Vault's: something else answered. */
      foreign?: boolean;
    }
  | { kind: "timeout"; ms?: number }
  | { kind: "network"; code: string; message: string }
  | { kind: "tls"; code: string; message: string }
  | { kind: "aborted"; reason: unknown }
  | { kind: "redirect"; status: number | undefined; target: string | undefined; message: string }
  | { kind: "other"; message: string };

export type Outcome = { ok: true; response: VaultResponse } | { ok: false; failure: Failure };

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "ERR_BAD_RESPONSE",
]);

/** The failure in one word for the request log: its status or code. */
export function describeFailure(failure: Failure): string {
  switch (failure.kind) {
    case "http":
      return String(failure.status);
    case "timeout":
      return "timeout";
    case "aborted":
      return "aborted";
    case "redirect":
      return "redirect";
    case "network":
    case "tls":
      return failure.code;
    default:
      return "error";
  }
}

/** Turn what node-vault rejected with into a `Failure`, or an accepted status into a response. */
export function classify(error: unknown, accept: readonly number[] | undefined): Outcome {
  if (error instanceof HttpFailure) {
    switch (error.kind) {
      case "timeout":
        return { ok: false, failure: { kind: "timeout" } };
      case "aborted":
        return { ok: false, failure: { kind: "aborted", reason: error.cause } };
      case "redirect":
        return {
          ok: false,
          failure: { kind: "redirect", status: error.status, target: error.target, message: error.message },
        };
      case "tls":
        return { ok: false, failure: { kind: "tls", code: error.code ?? "TLS", message: error.message } };
      case "too-large":
      case "not-json":
        return { ok: false, failure: { kind: "other", message: error.message } };
      default:
        return {
          ok: false,
          failure: { kind: "network", code: error.code ?? "ECONNRESET", message: error.message },
        };
    }
  }
  const e = error as {
    response?: { statusCode?: unknown; body?: unknown };
    code?: unknown;
    message?: unknown;
    name?: unknown;
    cause?: { code?: unknown; message?: unknown };
  } | null;
  const status = e?.response?.statusCode;
  if (typeof status === "number") {
    const body = e?.response?.body;
    const errors = vaultErrors(body);
    // A 404 for a path no secrets engine serves (wrong mount) is an error, not a missing secret.
    const noRoute = status === 404 && knownPhrases(errors).includes(PHRASE.noRoute);
    if (accept?.includes(status) && !noRoute) {
      if (status !== 404 || isVaultNotFound(body)) return { ok: true, response: { status, body } };
      // A 404 page of a proxy or load balancer is not a missing secret.
      return { ok: false, failure: { kind: "http", status, body: undefined, errors, foreign: true } };
    }
    return { ok: false, failure: { kind: "http", status, body: undefined, errors } };
  }
  // A client the user built: keep its error's code and Node's own connection wording, nothing else.
  const rawMessage = typeof e?.message === "string" ? e.message : "";
  const code =
    typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : undefined;
  if (code === "ECONNABORTED" || code === "ETIMEDOUT") {
    if (/timeout/i.test(rawMessage) || code === "ETIMEDOUT")
      return { ok: false, failure: { kind: "timeout" } };
  }
  if (code && isTlsFailureCode(code)) return { ok: false, failure: { kind: "tls", code, message: code } };
  if (code && (NETWORK_CODES.has(code) || /^E[A-Z]+$/.test(code))) {
    const inner = typeof e?.cause?.code === "string" ? e.cause.code : code;
    const innerMessage = typeof e?.cause?.message === "string" ? e.cause.message : rawMessage;
    return {
      ok: false,
      failure: {
        kind: "network",
        code: inner,
        message: NODE_NETWORK_MESSAGE.test(innerMessage) ? innerMessage : inner,
      },
    };
  }
  if (/^socket hang up$/i.test(rawMessage))
    return { ok: false, failure: { kind: "network", code: "ECONNRESET", message: "socket hang up" } };
  const name = typeof e?.name === "string" && /^\w{1,40}$/.test(e.name) ? e.name : "an error";
  return {
    ok: false,
    failure: { kind: "other", message: `the HTTP client failed with ${name}${code ? ` (${code})` : ""}` },
  };
}

/**
 * Whether a 404's body is Vault's own: `{"errors": []}` for a missing secret or
 * an empty folder, or `data` for a KV v2 version that was deleted. Anything else
 * (an HTML page, no body, other errors) came from something else.
 */
function isVaultNotFound(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const { errors, data } = body as { errors?: unknown; data?: unknown };
  if (Array.isArray(errors) && errors.length === 0) return true;
  return typeof data === "object" && data !== null && !Array.isArray(data);
}
