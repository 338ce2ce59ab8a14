import type { ClientRequest, Agent as HttpAgent, IncomingMessage } from "node:http";
import type { Agent as HttpsAgent } from "node:https";

/**
 * The HTTP client node-vault sends every request through when the provider
 * builds the client itself (node-vault's `request-promise` hook). Owning it
 * means owning three things node-vault's default client decides on its own:
 *
 * - redirects: followed only to the same origin (or to an origin the user
 *   allowed), at most `MAX_REDIRECTS` times; a redirect that would drop the
 *   body of a write is refused instead of silently turned into a GET;
 * - the abort signal: an aborted request destroys its socket;
 * - the timeout: one timer for the whole exchange, redirects and body included.
 *
 * Answers are parsed as JSON; text that is not JSON is dropped, never kept.
 */

export const MAX_REDIRECTS = 5;
/** Largest answer read; Vault's answers are far smaller. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export type HttpFailureKind = "timeout" | "aborted" | "redirect" | "network" | "tls" | "too-large";

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

export interface HttpClientOptions {
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
  /** Origins (`https://host:port`) besides the configured one that redirects may lead to. */
  allowedOrigins: ReadonlySet<string>;
  /** Used when a request carries no `timeout` of its own. */
  defaultTimeoutMs: number;
}

/** What node-vault passes: request-promise's option names, plus the provider's own `signal`. */
export interface RequestOptions {
  method?: string;
  uri?: string;
  headers?: Record<string, string>;
  json?: unknown;
  timeout?: number;
  signal?: AbortSignal;
  [option: string]: unknown;
}

export interface FullResponse {
  statusCode: number;
  // biome-ignore lint/suspicious/noExplicitAny: Vault's JSON bodies are checked field by field where they are read.
  body: any;
  request: { path: string };
}

export type Requester = (options: RequestOptions) => Promise<FullResponse>;

/** The object node-vault takes as `config["request-promise"]`: it only calls `defaults()`. */
export function requestPromise(options: HttpClientOptions): { defaults(defaults: unknown): Requester } {
  const send = createRequester(options);
  return { defaults: () => send };
}

export function createRequester(options: HttpClientOptions): Requester {
  return async (request) => {
    const start = new URL(String(request.uri));
    const method = (request.method ?? "GET").toUpperCase();
    const body =
      request.json !== undefined && request.json !== null ? JSON.stringify(request.json) : undefined;
    const headers: Record<string, string> = Object.assign(Object.create(null), request.headers ?? {});
    headers.Accept = "application/json";
    if (body !== undefined) {
      const type = Object.keys(headers).find((h) => h.toLowerCase() === "content-type");
      if (type === undefined) headers["Content-Type"] = "application/json";
    }
    const timeoutMs =
      typeof request.timeout === "number" && request.timeout > 0 ? request.timeout : options.defaultTimeoutMs;
    const exchange = new Exchange(options, request.signal, timeoutMs);
    try {
      return await exchange.run(start, method, headers, body);
    } finally {
      exchange.finish();
    }
  };
}

/** One request and the redirects it leads to, under one timer and one signal. */
class Exchange {
  readonly #options: HttpClientOptions;
  readonly #signal: AbortSignal | undefined;
  readonly #timeoutMs: number;
  #timer: NodeJS.Timeout | undefined;
  #current: ClientRequest | undefined;
  #stop: ((failure: HttpFailure) => void) | undefined;
  #onAbort: (() => void) | undefined;
  #stopped: HttpFailure | undefined;

  constructor(options: HttpClientOptions, signal: AbortSignal | undefined, timeoutMs: number) {
    this.#options = options;
    this.#signal = signal;
    this.#timeoutMs = timeoutMs;
  }

  #fail(failure: HttpFailure): void {
    if (this.#stopped) return;
    this.#stopped = failure;
    // Destroying the request closes its socket: the server sees the connection end.
    this.#current?.destroy(failure);
    this.#stop?.(failure);
  }

  async run(
    start: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<FullResponse> {
    if (this.#signal?.aborted) throw aborted(this.#signal.reason);
    this.#timer = setTimeout(
      () =>
        this.#fail(
          new HttpFailure(`no answer within ${this.#timeoutMs} ms`, { kind: "timeout", code: "ETIMEDOUT" }),
        ),
      this.#timeoutMs,
    );
    if (this.#signal) {
      const signal = this.#signal;
      this.#onAbort = () => this.#fail(aborted(signal.reason));
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    let url = start;
    let currentMethod = method;
    let currentBody = body;
    for (let hop = 0; ; hop++) {
      const response = await this.#once(url, currentMethod, headers, currentBody);
      const status = response.statusCode ?? 0;
      if (!REDIRECTS.has(status)) {
        const parsed = await this.#readJson(response);
        return { statusCode: status, body: parsed, request: { path: url.pathname } };
      }
      response.resume();
      const location = response.headers.location;
      let next: URL | undefined;
      try {
        next = location ? new URL(location, url) : undefined;
      } catch {
        next = undefined;
      }
      if (!next || (next.protocol !== "http:" && next.protocol !== "https:"))
        throw new HttpFailure(`HTTP ${status} redirect without a usable address`, {
          kind: "redirect",
          status,
        });
      if (next.origin !== start.origin && !this.#options.allowedOrigins.has(next.origin))
        throw new HttpFailure(`HTTP ${status} redirect to another origin ${next.origin}`, {
          kind: "redirect",
          status,
          target: next.origin,
        });
      if (hop + 1 > MAX_REDIRECTS)
        throw new HttpFailure(`more than ${MAX_REDIRECTS} redirects`, { kind: "redirect", status });
      // 307 and 308 repeat the request as it was; 301, 302 and 303 would turn it into a GET
      // without its body, which for a write is a silent no-op: refuse that.
      if (status !== 307 && status !== 308 && currentMethod !== "GET" && currentMethod !== "HEAD")
        throw new HttpFailure(`HTTP ${status} redirect of ${currentMethod} would drop the request body`, {
          kind: "redirect",
          status,
        });
      url = next;
      if (status === 303) {
        currentMethod = "GET";
        currentBody = undefined;
      }
    }
  }

  #once(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      if (this.#stopped) {
        reject(this.#stopped);
        return;
      }
      this.#stop = reject;
      const https = url.protocol === "https:";
      const sent: Record<string, string> = { ...headers };
      if (body !== undefined) sent["Content-Length"] = String(Buffer.byteLength(body));
      const load = https ? import("node:https") : import("node:http");
      load.then(
        (lib) => {
          if (this.#stopped) {
            reject(this.#stopped);
            return;
          }
          const req = lib.request(url, {
            method,
            headers: sent,
            agent: https ? this.#options.httpsAgent : this.#options.httpAgent,
          });
          this.#current = req;
          req.on("response", resolve);
          req.on("error", (error: NodeJS.ErrnoException) => reject(this.#stopped ?? networkFailure(error)));
          req.end(body);
        },
        (error: unknown) => reject(error),
      );
    });
  }

  #readJson(response: IncomingMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.#stopped) {
        response.destroy();
        reject(this.#stopped);
        return;
      }
      this.#stop = (failure) => {
        response.destroy();
        reject(failure);
      };
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          this.#fail(new HttpFailure(`answer larger than ${MAX_BODY_BYTES} bytes`, { kind: "too-large" }));
          return;
        }
        chunks.push(chunk);
      });
      response.on("error", (error: NodeJS.ErrnoException) => reject(this.#stopped ?? networkFailure(error)));
      response.on("aborted", () =>
        reject(
          this.#stopped ??
            new HttpFailure("connection closed mid-answer", { kind: "network", code: "ECONNRESET" }),
        ),
      );
      response.on("end", () => {
        if (this.#stopped) {
          reject(this.#stopped);
          return;
        }
        const text = Buffer.concat(chunks).toString("utf8");
        if (text.trim() === "") {
          resolve(undefined);
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          // Not JSON (a proxy's error page): nothing in it is used, and nothing is kept.
          resolve(undefined);
        }
      });
    });
  }

  finish(): void {
    clearTimeout(this.#timer);
    if (this.#onAbort) this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#stop = undefined;
    this.#current = undefined;
  }
}

function aborted(reason: unknown): HttpFailure {
  return new HttpFailure("aborted", { kind: "aborted", code: "ABORT_ERR", cause: reason });
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|ERR_OSSL)/;
/** Node's own wording for connection errors: `connect ECONNREFUSED 127.0.0.1:8200`, `socket hang up`. */
const NODE_NETWORK_MESSAGE = /^((connect|getaddrinfo|read|write) [A-Z_]+( [\w.:[\]-]+)?|socket hang up)$/;

function networkFailure(error: NodeJS.ErrnoException): HttpFailure {
  const code = typeof error.code === "string" ? error.code : "ECONNRESET";
  const own = typeof error.message === "string" ? error.message : "";
  if (TLS_CODES.test(code))
    return new HttpFailure(`${code}: ${/^[\w .,'-]{1,120}$/.test(own) ? own : "certificate not trusted"}`, {
      kind: "tls",
      code,
    });
  return new HttpFailure(NODE_NETWORK_MESSAGE.test(own) ? own : code, { kind: "network", code });
}
