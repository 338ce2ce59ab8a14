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
