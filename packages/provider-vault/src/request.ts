/**
 * The shape of one Vault API request and its answer, as the layouts, the
 * authenticator and the transport pass them around, and the sanitised error
 * every failed request carries as its `cause`.
 */

export const PROVIDER = "vault";
export const DISPLAY_NAME = "Vault";

export type VaultMethod = "GET" | "POST" | "PATCH" | "DELETE" | "LIST";

export interface VaultRequest {
  method: VaultMethod;
  /** Path segments after `/v1/`; each is URL-encoded on its own. */
  segments: readonly string[];
  query?: Readonly<Record<string, string>> | undefined;
  body?: unknown;
  /** Statuses that are answers to the caller rather than errors (404 for reads). */
  accept?: readonly number[] | undefined;
  /** A login: sent without a token; a 4xx answer means the credentials were refused. */
  login?: string | undefined;
  /** The secret the request is about, for errors. */
  secret?: string | undefined;
  signal?: AbortSignal | undefined;
  /** When the caller's deadline passes (epoch ms): attempts are cut short and no retry starts after it. */
  deadline?: number | undefined;
}

export interface VaultResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: Vault's JSON bodies are checked field by field where they are read.
  body: any;
}

/** Sends one request with whatever token the sender holds. */
export type Send = (request: VaultRequest) => Promise<VaultResponse>;

/**
 * The sanitised `cause` of every error the provider throws for a failed request:
 * method, path, HTTP status or network code, and those of Vault's error strings
 * that are on the allow-list of known phrases (`errors`, in our spelling).
 * Never the raw HTTP client error, which carries the request headers (and so
 * the token), and never Vault's answer, which may echo what was sent.
 */
export class VaultRequestError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly errors: readonly string[];
  /**
   * How many times the request was sent. After a retry, a write's answer may
   * concern the earlier attempt too: a check-and-set that lost its answer on the
   * way back (a reset connection, a 5xx) and was applied fails when sent again.
   */
  readonly attempts: number;

  constructor(
    message: string,
    details: {
      method: string;
      path: string;
      status?: number;
      code?: string;
      errors?: readonly string[];
      attempts?: number;
    },
  ) {
    super(message);
    this.name = "VaultRequestError";
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.code = details.code;
    this.errors = details.errors ?? [];
    this.attempts = details.attempts ?? 1;
  }
}
