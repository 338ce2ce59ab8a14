/**
 * The redirect policy of the provider's HTTP client: followed only to the same
 * origin (or to an origin the user allowed), at most `MAX_REDIRECTS` times; a
 * redirect that would drop the body of a write is refused instead of silently
 * turned into a GET.
 */
import { HttpFailure } from "./http-failure.js";

export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number): boolean {
  return REDIRECTS.has(status);
}

/** Where a redirect leads and how the request is repeated there; throws `HttpFailure` when it is refused. */
export function followRedirect(redirect: {
  status: number;
  location: string | undefined;
  url: URL;
  start: URL;
  method: string;
  body: string | undefined;
  hop: number;
  allowedOrigins: ReadonlySet<string>;
}): { url: URL; method: string; body: string | undefined } {
  const { status, location, method } = redirect;
  let next: URL | undefined;
  try {
    next = location ? new URL(location, redirect.url) : undefined;
  } catch {
    next = undefined;
  }
  if (!next || (next.protocol !== "http:" && next.protocol !== "https:"))
    throw new HttpFailure(`HTTP ${status} redirect without a usable address`, {
      kind: "redirect",
      status,
    });
  if (next.origin !== redirect.start.origin && !redirect.allowedOrigins.has(next.origin))
    throw new HttpFailure(`HTTP ${status} redirect to another origin ${next.origin}`, {
      kind: "redirect",
      status,
      target: next.origin,
    });
  if (redirect.hop + 1 > MAX_REDIRECTS)
    throw new HttpFailure(`more than ${MAX_REDIRECTS} redirects`, { kind: "redirect", status });
  // 307 and 308 repeat the request as it was; 301, 302 and 303 would turn it into a GET
  // without its body, which for a write is a silent no-op: refuse that.
  if (status !== 307 && status !== 308 && method !== "GET" && method !== "HEAD")
    throw new HttpFailure(`HTTP ${status} redirect of ${method} would drop the request body`, {
      kind: "redirect",
      status,
    });
  if (status === 303) return { url: next, method: "GET", body: undefined };
  return { url: next, method, body: redirect.body };
}
