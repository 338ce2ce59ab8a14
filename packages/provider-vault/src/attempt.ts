/**
 * One attempt at a request through the node-vault client: the headers (token,
 * namespace), the URL-encoded path and query, and a guard that ends the call at
 * its timeout or the caller's abort whatever the client does.
 */
import type { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { classify, type Failure, type Outcome } from "./failure.js";
import type { VaultClientLike } from "./options.js";
import { encodePath } from "./paths.js";
import type { VaultRequest } from "./request.js";

export interface AttemptOptions {
  client: VaultClientLike;
  namespace: string | undefined;
  /** Keep-alive agents, when the provider built the client itself. */
  httpAgent?: HttpAgent | undefined;
  httpsAgent?: HttpsAgent | undefined;
}

/** The time this attempt may take: the per-request timeout, cut short by the deadline. */
export function attemptTimeout(request: VaultRequest, timeoutMs: number): number {
  if (request.deadline === undefined) return timeoutMs;
  return Math.max(1, Math.min(timeoutMs, request.deadline - Date.now()));
}

/** The options node-vault's `request()` takes for `request`, sent with `token` unless it is a login. */
function clientOptions(
  request: VaultRequest,
  token: string | undefined,
  options: AttemptOptions,
  timeoutMs: number,
  signal: AbortSignal,
): { path: string; method: string; [option: string]: unknown } {
  const headers: Record<string, string> = { "X-Vault-Request": "true" };
  if (token && !request.login) headers["X-Vault-Token"] = token;
  if (options.namespace) headers["X-Vault-Namespace"] = options.namespace;
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
  const out: { path: string; method: string; [option: string]: unknown } = {
    path,
    method,
    headers,
    timeout: timeoutMs,
    // Our own HTTP client destroys the socket when this fires (see http.ts).
    signal,
  };
  if (request.body !== undefined) out.json = request.body;
  if (options.httpAgent) out.httpAgent = options.httpAgent;
  if (options.httpsAgent) out.httpsAgent = options.httpsAgent;
  return out;
}

/** Send `request` once, ending at `timeoutMs` or the request's abort. */
export async function attempt(
  request: VaultRequest,
  token: string | undefined,
  options: AttemptOptions,
  timeoutMs: number,
): Promise<Outcome> {
  if (request.signal?.aborted)
    return { ok: false, failure: { kind: "aborted", reason: request.signal.reason } };
  const controller = new AbortController();
  const sendOptions = clientOptions(request, token, options, timeoutMs, controller.signal);

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
    const sent = options.client.request(sendOptions).then(
      (body): Outcome => ({ ok: true, response: { status: 200, body } }),
      (error: unknown) => classify(error, request.accept),
    );
    const result = await Promise.race([sent, guards.then((failure): Outcome => ({ ok: false, failure }))]);
    if (!result.ok && result.failure.kind === "timeout")
      return { ok: false, failure: { kind: "timeout", ms: timeoutMs } };
    return result;
  } finally {
    clearTimeout(timer);
    if (onAbort) request.signal?.removeEventListener("abort", onAbort);
  }
}
