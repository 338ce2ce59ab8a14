/**
 * The HTTP client node-vault sends every request through when the provider
 * builds the client itself (node-vault's `request-promise` hook). Owning it
 * means owning three things node-vault's default client decides on its own:
 *
 * - redirects: the policy in redirects.ts;
 * - the abort signal: an aborted request destroys its socket;
 * - the timeout: one timer for the whole exchange, redirects and body included.
 *
 * Answers are parsed as JSON; text that is not JSON is dropped, never kept, and
 * a success that is not JSON is a failure.
 */
import type { ClientRequest, Agent as HttpAgent, IncomingMessage } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { abortedFailure, HttpFailure, networkFailure } from "./http-failure.js";
import { followRedirect, isRedirect } from "./redirects.js";

/**
 * Largest answer read, and the most bytes of answers one client holds at once
 * while reading them (requests run concurrently): Vault's answers are far smaller.
 */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Bytes of answers being read right now, across one client's exchanges. */
interface BodyBudget {
  used: number;
}

export interface HttpClientOptions {
  httpAgent: HttpAgent;
  /** Absent when no request can be https (see openConnection). */
  httpsAgent?: HttpsAgent | undefined;
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
  const budget: BodyBudget = { used: 0 };
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
    const exchange = new Exchange(options, request.signal, timeoutMs, budget);
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

  readonly #budget: BodyBudget;

  constructor(
    options: HttpClientOptions,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    budget: BodyBudget,
  ) {
    this.#budget = budget;
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
    if (this.#signal?.aborted) throw abortedFailure(this.#signal.reason);
    this.#timer = setTimeout(
      () =>
        this.#fail(
          new HttpFailure(`no answer within ${this.#timeoutMs} ms`, { kind: "timeout", code: "ETIMEDOUT" }),
        ),
      this.#timeoutMs,
    );
    if (this.#signal) {
      const signal = this.#signal;
      this.#onAbort = () => this.#fail(abortedFailure(signal.reason));
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    let url = start;
    let currentMethod = method;
    let currentBody = body;
    for (let hop = 0; ; hop++) {
      const response = await this.#once(url, currentMethod, headers, currentBody);
      const status = response.statusCode ?? 0;
      if (!isRedirect(status)) {
        const parsed = await this.#readJson(response, status);
        return { statusCode: status, body: parsed, request: { path: url.pathname } };
      }
      // The redirect's own body is never read: its socket is closed at once, so a body
      // that never ends cannot hold it open past the exchange (nor keep the process alive).
      response.destroy();
      const next = followRedirect({
        status,
        location: response.headers.location,
        url,
        start,
        method: currentMethod,
        body: currentBody,
        hop,
        allowedOrigins: this.#options.allowedOrigins,
      });
      url = next.url;
      currentMethod = next.method;
      currentBody = next.body;
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

  /**
   * The answer's JSON; `undefined` for an empty body, or for an error status
   * whose body is not JSON (a proxy's error page: its status says enough). A
   * success whose body is not JSON is a failure: it is not Vault's answer, and
   * taking it as one would report a write or a list that never happened.
   */
  #readJson(response: IncomingMessage, status: number): Promise<unknown> {
    const budget = this.#budget;
    let held = 0;
    // What this answer holds of the client's budget is given back however the read ends.
    const release = () => {
      budget.used -= held;
      held = 0;
    };
    return new Promise<unknown>((resolve, reject) => {
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
        held += chunk.length;
        budget.used += chunk.length;
        if (size > MAX_BODY_BYTES) {
          this.#fail(new HttpFailure(`answer larger than ${MAX_BODY_BYTES} bytes`, { kind: "too-large" }));
          return;
        }
        if (budget.used > MAX_BODY_BYTES) {
          this.#fail(
            new HttpFailure(`answers larger than ${MAX_BODY_BYTES} bytes in all were being read at once`, {
              kind: "too-large",
            }),
          );
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
          // Nothing in it is used, and nothing of it is kept.
          if (status >= 200 && status < 300)
            reject(
              new HttpFailure(
                `the answer (HTTP ${status}) is not JSON: check that VAULT_URL points at Vault itself, not at a proxy's or load balancer's page`,
                { kind: "not-json", status },
              ),
            );
          else resolve(undefined);
        }
      });
    }).finally(release);
  }

  finish(): void {
    clearTimeout(this.#timer);
    if (this.#onAbort) this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#stop = undefined;
    this.#current = undefined;
  }
}
