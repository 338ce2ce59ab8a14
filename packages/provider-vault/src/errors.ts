/**
 * A failed request as one of core's errors: a message a person can act on
 * (what failed, and what to check or set), the sanitised `VaultRequestError`
 * as `cause`, and no token or value anywhere in it.
 */
import {
  AccessDeniedError,
  AuthenticationError,
  ProviderError,
  ProviderUnavailableError,
  redact,
  SecretConflictError,
  type SecretError,
} from "@org/secrets-core/provider";
import type { Failure } from "./failure.js";
import { displayPath } from "./paths.js";
import { knownPhrases, PHRASE } from "./phrases.js";
import { DISPLAY_NAME, PROVIDER, type VaultRequest, VaultRequestError } from "./request.js";

/** What an error message needs besides the failure. */
export interface ErrorContext {
  request: VaultRequest;
  /** The request's path, for people. */
  path: string;
  attempts: number;
  /** The address, for messages. */
  url: string;
  /** The configured per-request timeout. */
  timeoutMs: number;
  /** Text for a message, scrubbed of every credential and value this request carries. */
  clean: (text: string) => string;
}

/**
 * Text for a message, scrubbed of `values` (credentials held, the request's
 * token and body) and of every value core has seen; on one line.
 */
export function scrub(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (value.length > 0) out = out.split(value).join("[REDACTED]");
  }
  return redact(out).replace(/\s+/g, " ").trim().slice(0, 300);
}

/** Every string inside a request body: the values being written, credentials sent to log in. */
export function bodyStrings(body: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof body === "string") out.push(body);
  else if (body !== null && typeof body === "object" && depth < 5) {
    for (const value of Object.values(body)) bodyStrings(value, out, depth + 1);
  }
  return out;
}

export function toError(failure: Failure, context: ErrorContext): SecretError {
  const { request, path, url, timeoutMs, clean } = context;
  const method = request.method;
  const secret = request.secret;
  const tried = context.attempts > 1 ? ` (after ${context.attempts} attempts)` : "";
  const base = { method, path };
  switch (failure.kind) {
    case "timeout": {
      const ms = failure.ms ?? timeoutMs;
      // Cut short by the caller's deadline (or the one for connecting), rather than by VAULT_CLIENT_TIMEOUT.
      const within = ms < timeoutMs ? `before the deadline (${ms} ms were left)` : `within ${ms} ms`;
      const cause = new VaultRequestError(`${method} ${path}: no answer ${within}`, {
        ...base,
        code: "ETIMEDOUT",
      });
      return new ProviderUnavailableError(
        `Vault at ${url} did not answer ${method} ${path} ${within}: check the server, or raise ${ms < timeoutMs ? "SECRET_TIMEOUT" : "VAULT_CLIENT_TIMEOUT"}`,
        { provider: PROVIDER, ...(secret ? { secret } : {}), cause },
      );
    }
    case "network": {
      const detail = clean(failure.message);
      const cause = new VaultRequestError(`${method} ${path}: ${detail}`, { ...base, code: failure.code });
      return new ProviderUnavailableError(
        `Cannot reach Vault at ${url} (${detail.includes(failure.code) ? detail : `${failure.code}: ${detail}`})${tried}: check the address and that the server is running`,
        { provider: PROVIDER, ...(secret ? { secret } : {}), cause },
      );
    }
    case "tls": {
      const detail = clean(failure.message);
      const cause = new VaultRequestError(`${method} ${path}: ${detail}`, { ...base, code: failure.code });
      return new ProviderUnavailableError(
        `TLS verification of Vault at ${url} failed (${detail.startsWith(failure.code) ? detail : `${failure.code}: ${detail}`}): set VAULT_CACERT to the CA certificate that signed the server's certificate`,
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
        : `and the redirect was not followed (${clean(failure.message)})`;
      return new ProviderError(`Vault at ${url} redirected ${method} ${path}${status} ${why}`, {
        provider: PROVIDER,
        ...(secret ? { secret } : {}),
        cause,
      });
    }
    case "aborted":
      if ((failure.reason as { name?: unknown } | undefined)?.name === "TimeoutError")
        return new ProviderUnavailableError(
          `Vault at ${url} did not answer ${method} ${path} before the caller's deadline`,
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
      const detail = clean(failure.message);
      return new ProviderError(`Vault request ${method} ${path} failed: ${detail}`, {
        provider: PROVIDER,
        ...(secret ? { secret } : {}),
        cause: new VaultRequestError(`${method} ${path}: ${detail}`, base),
      });
    }
    case "http":
      return httpError(failure, context, tried);
  }
}

function httpError(
  failure: Extract<Failure, { kind: "http" }>,
  context: ErrorContext,
  tried: string,
): SecretError {
  const { request, path, url } = context;
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
    attempts: context.attempts,
  });
  const withSecret = { ...(secret ? { secret } : {}), cause };

  if (failure.foreign)
    return new ProviderError(
      `Vault at ${url} answered HTTP ${status} to ${method} ${path} with a body that is not Vault's, so whether the secret exists is unknown: check VAULT_URL and any proxy in between`,
      { provider: PROVIDER, ...withSecret },
    );
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
      `Vault is sealed (${url}): unseal it with 'bao operator unseal' or 'vault operator unseal' and retry`,
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
      `Vault at ${url} is rate-limiting requests (HTTP 429 for ${method} ${path})${tried}: retry later`,
      { provider: PROVIDER, ...withSecret },
    );
  if (status >= 500)
    return new ProviderUnavailableError(
      `Vault at ${url} answered HTTP ${status} for ${method} ${path}${said ? `: ${said}` : ""}${tried}`,
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

/** The policy capability a request needs, as Vault's policies name it. */
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
