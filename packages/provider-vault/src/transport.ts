/**
 * Sends requests through node-vault: each attempt bounded by a timeout,
 * bounded retries with backoff where that is safe, one debug line per attempt,
 * and every failure turned into one of core's errors (see errors.ts). Also
 * remembers when Vault last answered as expected, for health checks.
 */
import { setMaxListeners } from "node:events";
import type { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { type Logger, type SecretError, sleep } from "@org/secrets-core/provider";
import { type AttemptOptions, attempt, attemptTimeout } from "./attempt.js";
import { bodyStrings, scrub, toError } from "./errors.js";
import { describeFailure, type Failure } from "./failure.js";
import type { VaultClientLike } from "./options.js";
import { displayPath, displayUrl } from "./paths.js";
import type { VaultRequest, VaultResponse } from "./request.js";
import { retryDelay } from "./retry.js";

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

export class VaultTransport {
  readonly #options: TransportOptions;
  readonly #attempt: AttemptOptions;
  readonly #url: string;
  /** Aborted by `close()`: every request in flight (a background token lookup too) ends with it. */
  readonly #shutdown = new AbortController();

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#attempt = {
      client: options.client,
      namespace: options.namespace,
      httpAgent: options.httpAgent,
      httpsAgent: options.httpsAgent,
    };
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
    for (let attempts = 0; ; attempts++) {
      const started = Date.now();
      const outcome = await attempt(
        request,
        token,
        this.#attempt,
        attemptTimeout(request, this.#options.timeoutMs),
      );
      const durationMs = Date.now() - started;
      if (outcome.ok) {
        this.#debug(request, path, outcome.response.status, attempts, durationMs);
        this.#answeredAt = Date.now();
        return outcome.response;
      }
      const failure = outcome.failure;
      this.#debug(request, path, describeFailure(failure), attempts, durationMs);
      const delay = retryDelay(request, failure, attempts, this.#options);
      if (delay === undefined) throw this.#toError(request, path, failure, attempts + 1, token);
      try {
        await sleep(delay, request.signal);
      } catch (reason) {
        throw this.#toError(request, path, { kind: "aborted", reason }, attempts + 1, token);
      }
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

  #toError(
    request: VaultRequest,
    path: string,
    failure: Failure,
    attempts: number,
    token: string | undefined,
  ): SecretError {
    // Scrubbed of the credentials held, of the values this request carries, and of every value core has seen.
    const values = [...this.#options.credentials(), ...(token ? [token] : []), ...bodyStrings(request.body)];
    return toError(failure, {
      request,
      path,
      attempts,
      url: this.#url,
      timeoutMs: this.#options.timeoutMs,
      clean: (text) => scrub(text, values),
    });
  }
}
