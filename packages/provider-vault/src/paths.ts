/**
 * Vault paths are built from segments, each URL-encoded on its own: node-vault
 * puts the path into the URL as given, so a prefix holding a space, `#` or `?`
 * would otherwise reach a different entry than the one named.
 */

/** Split a slash-separated path into its segments, dropping empty ones. Throws on `.` and `..`. */
export function splitPath(path: string, what: string): string[] {
  const segments = path
    .split("/")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const segment of segments) {
    if (segment === "." || segment === "..") throw new Error(`${what} cannot contain '.' or '..' segments`);
  }
  return segments;
}

/** The API path for `segments`, each one URL-encoded, joined with `/`. */
export function encodePath(segments: readonly string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join("/");
}

/** The same path for people to read in messages and logs. */
export function displayPath(segments: readonly string[]): string {
  return segments.join("/");
}

/** An address as shown in messages: without user info, query or trailing slash. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

/**
 * What is wrong with a Vault address, in words that never repeat it (it may
 * hold credentials or a token in its query); `undefined` when it is fine.
 */
export function addressProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return /^[a-z][a-z0-9+.-]*:/i.test(text.trim())
      ? "it is not a valid address"
      : "it is not an address: the scheme is missing (http:// or https://)";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "the scheme must be http:// or https://";
  if (!url.hostname) return "the host is missing";
  if (url.username || url.password)
    return "credentials in the address are not allowed (use VAULT_TOKEN or another auth method)";
  if (url.search || url.hash) return "a query or fragment is not allowed";
  return undefined;
}

/** What is wrong with an address meant as an origin, in words that never repeat it; `undefined` when fine. */
export function originProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return "not an address: use an origin such as https://vault-1.internal:8200";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return "the scheme must be http:// or https://, as in https://vault-1.internal:8200";
  if (url.username || url.password) return "credentials in the address are not allowed";
  if (!url.hostname) return "the host is missing";
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash)
    return "give only scheme, host and port, without a path, query or fragment";
  return undefined;
}
