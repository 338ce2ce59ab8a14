import { setMaxListeners } from "node:events";
import type { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import {
  AccessDeniedError,
  AuthenticationError,
  backoffDelay,
  type Logger,
  ProviderError,
  ProviderUnavailableError,
  redact,
  SecretConflictError,
  type SecretError,
  sleep,
} from "@org/secrets-core/provider";
import { HttpFailure } from "./http.js";
import type { VaultClientLike } from "./options.js";
import { displayPath, displayUrl, encodePath } from "./paths.js";

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

  constructor(
    message: string,
    details: { method: string; path: string; status?: number; code?: string; errors?: readonly string[] },
  ) {
    super(message);
    this.name = "VaultRequestError";
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.code = details.code;
    this.errors = details.errors ?? [];
  }
}

export interface TransportOptions {
  client: VaultClientLike;
  /** The address, for messages. */
  url: string;
  namespace: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
  logger: Logger;
  /** Keep-alive agents, when the provider built the client itself. */
  httpAgent?: HttpAgent | undefined;
  httpsAgent?: HttpsAgent | undefined;
  /** Credentials currently held, scrubbed from anything Vault echoes back. */
  credentials: () => readonly string[];
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|ERR_OSSL)/;
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
const MAX_BACKOFF_MS = 2_000;

type Failure =
  | { kind: "http"; status: number; body: unknown; errors: string[] }
  | { kind: "timeout"; ms?: number }
  | { kind: "network"; code: string; message: string }
  | { kind: "tls"; code: string; message: string }
  | { kind: "aborted"; reason: unknown }
  | { kind: "redirect"; status: number | undefined; target: string | undefined; message: string }
  | { kind: "other"; message: string };

/**
 * Sends requests through node-vault with a timeout, keep-alive connections,
 * bounded retries with backoff and jitter (5xx, 429 and network errors only),
 * and turns every failure into one of core's errors with a message a person
 * can act on and no token or value in it.
 */
export class VaultTransport {
  readonly #options: TransportOptions;
  readonly #url: string;
  /** Aborted by `close()`: every request in flight (a background token lookup too) ends with it. */
  readonly #shutdown = new AbortController();

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#url = displayUrl(options.url);
    // Every request in flight listens to it: as many as the caller runs at once.
    setMaxListeners(0, this.#shutdown.signal);
  }

  get url(): string {
    return this.#url;
  }

  /** When Vault last gave an expected answer to a request of ours (epoch ms; 0: never). */
  #answeredAt = 0;

  /** Whether Vault gave an expected answer (2xx, or a status the request accepts, such as a read's 404) within `ms`, with no failure since. */
  answeredWithin(ms: number): boolean {
    return this.#answeredAt > 0 && Date.now() - this.#answeredAt < ms;
  }

  /** Abort every request in flight and refuse new ones. */
  close(): void {
    this.#shutdown.abort(new Error("the Vault provider was closed"));
  }

  /** Send one request with `token` (or none), retrying where that is safe. */
  async send(caller: VaultRequest, token: string | undefined): Promise<VaultResponse> {
    try {
      return await this.#send(caller, token);
    } catch (error) {
      // Any failure since the last good answer: the next check probes again.
      this.#answeredAt = 0;
      throw error;
    }
  }

  async #send(caller: VaultRequest, token: string | undefined): Promise<VaultResponse> {
    const shutdown = this.#shutdown.signal;
    const request: VaultRequest = {
      ...caller,
      signal: caller.signal ? AbortSignal.any([caller.signal, shutdown]) : shutdown,
    };
    const path = displayPath(request.segments);
    const maxRetries = Math.max(0, this.#options.maxRetries);
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      const outcome = await this.#attempt(request, token);
      const durationMs = Date.now() - started;
      if (outcome.ok) {
        this.#debug(request, path, outcome.response.status, attempt, durationMs);
        this.#answeredAt = Date.now();
        return outcome.response;
      }
      const failure = outcome.failure;
      this.#debug(request, path, describeFailure(failure), attempt, durationMs);
      const delay = backoffDelay(attempt, { baseMs: this.#options.retryDelayMs, capMs: MAX_BACKOFF_MS });
      // No retry once the caller gave up, or when the wait alone would pass the deadline.
      const retryable =
        isRetryable(failure) &&
        !request.signal?.aborted &&
        (request.deadline === undefined || Date.now() + delay < request.deadline);
      if (!retryable || attempt >= maxRetries)
        throw this.#toError(request, path, failure, attempt + 1, token);
      try {
        await sleep(delay, request.signal);
      } catch (reason) {
        throw this.#toError(request, path, { kind: "aborted", reason }, attempt + 1, token);
      }
    }
  }

  /** The time this attempt may take: the per-request timeout, cut short by the deadline. */
  #attemptTimeout(request: VaultRequest): number {
    const timeout = this.#options.timeoutMs;
    if (request.deadline === undefined) return timeout;
    return Math.max(1, Math.min(timeout, request.deadline - Date.now()));
  }

  async #attempt(
    request: VaultRequest,
    token: string | undefined,
  ): Promise<{ ok: true; response: VaultResponse } | { ok: false; failure: Failure }> {
    if (request.signal?.aborted)
      return { ok: false, failure: { kind: "aborted", reason: request.signal.reason } };
    const headers: Record<string, string> = { "X-Vault-Request": "true" };
    if (token && !request.login) headers["X-Vault-Token"] = token;
    if (this.#options.namespace) headers["X-Vault-Namespace"] = this.#options.namespace;
    if (request.method === "PATCH") headers["Content-Type"] = "application/merge-patch+json";
    let path = `/${encodePath(request.segments)}`;
    const query = new URLSearchParams(request.query ?? {});
    // LIST is sent as GET ?list=true: proxies and HTTP clients that reject unknown verbs still pass it.
    let method: string = request.method;
    if (method === "LIST") {
      method = "GET";
      query.set("list", "true");
    }
    const search = query.toString();
    if (search) path += `?${search}`;
    const timeoutMs = this.#attemptTimeout(request);
    const controller = new AbortController();
    const options: { path: string; method: string; [option: string]: unknown } = {
      path,
      method,
      headers,
      timeout: timeoutMs,
      // Our own HTTP client destroys the socket when this fires (see http.ts).
      signal: controller.signal,
    };
    if (request.body !== undefined) options.json = request.body;
    if (this.#options.httpAgent) options.httpAgent = this.#options.httpAgent;
    if (this.#options.httpsAgent) options.httpsAgent = this.#options.httpsAgent;

    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    // A guard for clients that ignore the signal (a client the user built): the
    // call ends at the timeout or the caller's abort whatever the client does.
    const guards = new Promise<Failure>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ kind: "timeout" });
      }, timeoutMs);
      if (request.signal) {
        onAbort = () => {
          controller.abort(request.signal?.reason);
          resolve({ kind: "aborted", reason: request.signal?.reason });
        };
        request.signal.addEventListener("abort", onAbort, { once: true });
      }
    });
    try {
      const sent = this.#options.client.request(options).then(
        (body) => ({ ok: true as const, response: { status: 200, body } }),
        (error: unknown) => classify(error, request.accept),
      );
      const result = await Promise.race([sent, guards.then((failure) => ({ ok: false as const, failure }))]);
      if (!result.ok && result.failure.kind === "timeout")
        return { ok: false, failure: { kind: "timeout", ms: timeoutMs } };
      return result;
    } finally {
      clearTimeout(timer);
      if (onAbort) request.signal?.removeEventListener("abort", onAbort);
    }
  }

  #debug(
    request: VaultRequest,
    path: string,
    outcome: number | string,
    attempt: number,
    durationMs: number,
  ): void {
    const logger = this.#options.logger;
    if (logger.isLevelEnabled && !logger.isLevelEnabled("debug")) return;
    logger.debug("vault.request", {
      method: request.method,
      path,
      outcome: typeof outcome === "number" ? String(outcome) : outcome,
      attempt: attempt + 1,
      duration_ms: durationMs,
    });
  }

  /**
   * Text for a message, scrubbed of the credentials held, of the values this
   * request carries, and of every value core has seen; on one line.
   */
  clean(text: string, request?: VaultRequest, token?: string): string {
    let out = text;
    const values = [...this.#options.credentials(), ...(token ? [token] : []), ...bodyStrings(request?.body)];
    for (const value of values.sort((a, b) => b.length - a.length)) {
      if (value.length > 0) out = out.split(value).join("[REDACTED]");
    }
    return redact(out).replace(/\s+/g, " ").trim().slice(0, 300);
  }

  #toError(
    request: VaultRequest,
    path: string,
    failure: Failure,
    attempts: number,
    token: string | undefined,
  ): SecretError {
    const method = request.method;
    const secret = request.secret;
    const tried = attempts > 1 ? ` (after ${attempts} attempts)` : "";
    const base = { method, path };
    switch (failure.kind) {
      case "timeout": {
        const ms = failure.ms ?? this.#options.timeoutMs;
        // Cut short by the caller's deadline (or the one for connecting), rather than by VAULT_CLIENT_TIMEOUT.
        const within =
          ms < this.#options.timeoutMs ? `before the deadline (${ms} ms were left)` : `within ${ms} ms`;
        const cause = new VaultRequestError(`${method} ${path}: no answer ${within}`, {
          ...base,
          code: "ETIMEDOUT",
        });
        return new ProviderUnavailableError(
          `Vault at ${this.#url} did not answer ${method} ${path} ${within}: check the server, or raise ${ms < this.#options.timeoutMs ? "SECRET_TIMEOUT" : "VAULT_CLIENT_TIMEOUT"}`,
          { provider: PROVIDER, ...(secret ? { secret } : {}), cause },
        );
      }
      case "network": {
        const detail = this.clean(failure.message, request, token);
        const cause = new VaultRequestError(`${method} ${path}: ${detail}`, { ...base, code: failure.code });
        return new ProviderUnavailableError(
          `Cannot reach Vault at ${this.#url} (${detail.includes(failure.code) ? detail : `${failure.code}: ${detail}`})${tried}: check the address and that the server is running`,
          { provider: PROVIDER, ...(secret ? { secret } : {}), cause },
        );
      }
      case "tls": {
        const detail = this.clean(failure.message, request, token);
        const cause = new VaultRequestError(`${method} ${path}: ${detail}`, { ...base, code: failure.code });
        return new ProviderUnavailableError(
          `TLS verification of Vault at ${this.#url} failed (${detail.startsWith(failure.code) ? detail : `${failure.code}: ${detail}`}): set VAULT_CACERT to the CA certificate that signed the server's certificate`,
          { provider: PROVIDER, ...(secret ? { secret } : {}), cause },
        );
      }
      case "redirect": {
        const status = failure.status === undefined ? "" : ` (HTTP ${failure.status})`;
        const cause = new VaultRequestError(`${method} ${path}: redirect refused${status}`, {
          ...base,
          ...(failure.status === undefined ? {} : { status: failure.status }),
          code: "EREDIRECT",
        });
        const why = failure.target
          ? `to another origin, ${failure.target}, which is not allowed: no token or data was sent there. If it is a Vault node you trust (such as the active node of an HA cluster), add it to VAULT_REDIRECT_ALLOW`
          : `and the redirect was not followed (${this.clean(failure.message, request, token)})`;
        return new ProviderError(`Vault at ${this.#url} redirected ${method} ${path}${status} ${why}`, {
          provider: PROVIDER,
          ...(secret ? { secret } : {}),
          cause,
        });
      }
      case "aborted":
        if ((failure.reason as { name?: unknown } | undefined)?.name === "TimeoutError")
          return new ProviderUnavailableError(
            `Vault at ${this.#url} did not answer ${method} ${path} before the caller's deadline`,
            {
              provider: PROVIDER,
              ...(secret ? { secret } : {}),
              cause: new VaultRequestError(`${method} ${path}: deadline passed`, {
                ...base,
                code: "ETIMEDOUT",
              }),
            },
          );
        return new ProviderError(`Request ${method} ${path} to Vault was aborted`, {
          provider: PROVIDER,
          ...(secret ? { secret } : {}),
          cause: failure.reason,
        });
      case "other": {
        const detail = this.clean(failure.message, request, token);
        return new ProviderError(`Vault request ${method} ${path} failed: ${detail}`, {
          provider: PROVIDER,
          ...(secret ? { secret } : {}),
          cause: new VaultRequestError(`${method} ${path}: ${detail}`, base),
        });
      }
      case "http":
        return this.#httpError(request, path, failure, tried);
    }
  }

  #httpError(
    request: VaultRequest,
    path: string,
    failure: Extract<Failure, { kind: "http" }>,
    tried: string,
  ): SecretError {
    const { status } = failure;
    // Only phrases from the allow-list, in our spelling: Vault's own text is never copied.
    const errors = knownPhrases(failure.errors);
    const said = errors.join("; ");
    const method = request.method;
    const secret = request.secret;
    const cause = new VaultRequestError(`${method} ${path}: HTTP ${status}${said ? ` ${said}` : ""}`, {
      method,
      path,
      status,
      errors,
    });
    const withSecret = { ...(secret ? { secret } : {}), cause };

    if (request.login) {
      if (status < 500 && status !== 429)
        return new AuthenticationError(undefined, {
          provider: PROVIDER,
          displayName: DISPLAY_NAME,
          reason: `${said || `HTTP ${status}`} (${request.login} login at auth/${displayPath(request.segments.slice(1, -1))})`,
          cause,
        });
    }
    if (status === 503 && errors.includes(PHRASE.sealed))
      return new ProviderUnavailableError(
        `Vault is sealed (${this.#url}): unseal it with 'bao operator unseal' or 'vault operator unseal' and retry`,
        { provider: PROVIDER, ...withSecret },
      );
    if (status === 400 && errors.includes(PHRASE.casMismatch))
      return new SecretConflictError(
        `${secret ? `Secret '${secret}'` : path} was changed by someone else (Vault check-and-set did not match): read it again and retry`,
        { provider: PROVIDER, secret: secret ?? path, cause },
      );
    if (status === 401)
      return new AuthenticationError(undefined, {
        provider: PROVIDER,
        displayName: DISPLAY_NAME,
        reason: said || "the token was not accepted",
        cause,
      });
    if (status === 403)
      return new AccessDeniedError(
        `Vault denied ${capabilityFor(request)} on ${path}${said ? ` (${said})` : ""}: the token's policies must grant "${capabilityFor(request)}" on this path`,
        { provider: PROVIDER, ...withSecret },
      );
    if (status === 429)
      return new ProviderUnavailableError(
        `Vault at ${this.#url} is rate-limiting requests (HTTP 429 for ${method} ${path})${tried}: retry later`,
        { provider: PROVIDER, ...withSecret },
      );
    if (status >= 500)
      return new ProviderUnavailableError(
        `Vault at ${this.#url} answered HTTP ${status} for ${method} ${path}${said ? `: ${said}` : ""}${tried}`,
        { provider: PROVIDER, ...withSecret },
      );
    if (status === 404 && errors.includes(PHRASE.noRoute))
      return new ProviderError(
        `Vault has no such path ${path}: check VAULT_MOUNT_POINT and that a KV secrets engine is mounted there`,
        { provider: PROVIDER, ...withSecret },
      );
    return new ProviderError(`Vault rejected ${method} ${path}: HTTP ${status}${said ? ` ${said}` : ""}`, {
      provider: PROVIDER,
      ...withSecret,
    });
  }
}

/** The phrases of Vault's `errors` that may appear in a message, each in our own spelling. */
export const PHRASE = Object.freeze({
  permissionDenied: "permission denied",
  sealed: "Vault is sealed",
  casMismatch: "check-and-set parameter did not match the current version",
  casRequired: "check-and-set parameter required for this call",
  noRoute: "no handler for route",
  invalidToken: "invalid token",
  missingToken: "missing client token",
  invalidRoleOrSecretId: "invalid role or secret ID",
  invalidSecretId: "invalid secret id",
  invalidRoleId: "invalid role ID",
  standby: "local node not active but active cluster node not found",
  rateLimited: "rate limit quota exceeded",
  internal: "internal error",
  badRequest: "bad request",
  unsupportedOperation: "unsupported operation",
  notFound: "not found",
});

/**
 * Each of Vault's error strings matched against the allow-list: the phrase
 * when a string is exactly one of them (or, for routes, starts the known way),
 * nothing otherwise. Anything else Vault said is dropped, because Vault echoes
 * request data (and so values) in some of its messages.
 */
export function knownPhrases(errors: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of errors) {
    const text = raw.trim().replace(/\.$/, "");
    let phrase: string | undefined;
    if (/^no handler for route\b/i.test(text) || /^unsupported path$/i.test(text)) phrase = PHRASE.noRoute;
    else if (/^(error performing token check: )?Vault is sealed$/i.test(text)) phrase = PHRASE.sealed;
    else if (/^(rate limit quota exceeded|request path .{0,200}: rate limit quota exceeded)$/i.test(text))
      phrase = PHRASE.rateLimited;
    else {
      for (const known of Object.values(PHRASE)) {
        if (text.toLowerCase() === known.toLowerCase()) {
          phrase = known;
          break;
        }
      }
    }
    if (phrase !== undefined && !out.includes(phrase)) out.push(phrase);
  }
  return out;
}

/** Every string inside a request body: the values being written, credentials sent to log in. */
function bodyStrings(body: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof body === "string") out.push(body);
  else if (body !== null && typeof body === "object" && depth < 5) {
    for (const value of Object.values(body)) bodyStrings(value, out, depth + 1);
  }
  return out;
}

function capabilityFor(request: VaultRequest): string {
  switch (request.method) {
    case "GET":
      return "read";
    case "LIST":
      return "list";
    case "DELETE":
      return "delete";
    case "PATCH":
      return "patch";
    default:
      return request.segments.includes("data") ? "create/update" : "update";
  }
}

function isRetryable(failure: Failure): boolean {
  if (failure.kind === "network") return true;
  if (failure.kind !== "http") return false;
  if (failure.status === 429) return true;
  if (failure.status === 503 && knownPhrases(failure.errors).includes(PHRASE.sealed)) return false;
  return failure.status >= 500 && failure.status !== 501;
}

function describeFailure(failure: Failure): string {
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

/** Node's own wording for connection errors: `connect ECONNREFUSED 127.0.0.1:8200`, `socket hang up`. */
const NODE_NETWORK_MESSAGE = /^((connect|getaddrinfo|read|write) [A-Z_]+( [\w.:[\]-]+)?|socket hang up)$/;

/** Turn what node-vault rejected with into a `Failure`, or an accepted status into a response. */
function classify(
  error: unknown,
  accept: readonly number[] | undefined,
): { ok: true; response: VaultResponse } | { ok: false; failure: Failure } {
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
    if (accept?.includes(status) && !noRoute) return { ok: true, response: { status, body } };
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
  if (code && TLS_CODES.test(code)) return { ok: false, failure: { kind: "tls", code, message: code } };
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

/** Vault's `errors` array, with its multi-error wrapping ("2 errors occurred: * a * b") flattened. */
function vaultErrors(body: unknown): string[] {
  const errors = (body as { errors?: unknown } | null | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  const out: string[] = [];
  for (const entry of errors) {
    if (typeof entry !== "string") continue;
    const lines = entry
      .split("\n")
      .map((l) => l.replace(/^\s*\*\s*/, "").trim())
      .filter((l) => l.length > 0 && !/^\d+ errors? occurred:?$/.test(l));
    out.push(...lines);
  }
  return out;
}
