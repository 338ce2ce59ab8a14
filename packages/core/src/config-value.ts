/** How a configuration value is shown in an error: never the value of a sensitive setting. */
import { redact } from "./redact.js";

/** The toolkit's own settings: their names contain SECRET but their values are not secret. */
const OWN_SETTINGS = new Set([
  "SECRET_PROVIDER",
  "SECRET_CACHE_TTL",
  "SECRET_CACHE_STALE_IF_ERROR",
  "SECRET_TIMEOUT",
  "SECRET_ENV_FILE",
  "SECRETS_MANIFEST",
  "FORCE_SECRET_INIT",
]);

const SENSITIVE_NAME =
  /token|secret|passw|pwd|credential|private|api_?key|access_?key|_key$|^key$|cookie|session|signature|jwt|auth|cert_?key|salt|pepper/i;
/** Settings about how to authenticate, not what with. */
const HARMLESS_SUFFIX =
  /_(method|mount|mount_?point|path|role|role_?name|ttl|file|region|url|addr|namespace)$/i;

/** Whether a variable's name suggests it holds a token, secret, password or key. */
export function isSensitiveConfigName(name: string): boolean {
  const upper = name.toUpperCase();
  if (OWN_SETTINGS.has(upper)) return false;
  if (HARMLESS_SUFFIX.test(name)) return false;
  return SENSITIVE_NAME.test(name);
}

/** Short, single-token values (enum-like, numbers, package names, plain URLs) may be shown. */
const SHOWABLE = /^[A-Za-z0-9._:/@+~*-]{1,40}$/;

/**
 * A description of a configuration value that is safe to put in an error
 * message: the value itself, quoted, only when it is short, a single token,
 * from a variable whose name does not suggest a secret, and not a remembered
 * secret value; otherwise only its length (`a 42-character value`). The
 * userinfo of a URL (`https://user:pass@host`) is never shown.
 */
export function describeConfigValue(name: string, raw: unknown): string {
  if (raw === undefined) return "(unset)";
  if (typeof raw !== "string") return `(a value of type ${raw === null ? "null" : typeof raw})`;
  if (raw.trim() === "") return raw === "" ? "(an empty value)" : "(a blank value)";
  const length = `(a ${raw.length}-character value)`;
  if (isSensitiveConfigName(name)) return length;
  let shown = raw.trim();
  const url = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*@)/i.exec(shown);
  if (url) shown = `${url[1]}***@${shown.slice(url[0].length)}`;
  if (!SHOWABLE.test(shown)) return url ? `(a ${raw.length}-character URL)` : length;
  if (redact(shown) !== shown) return length;
  return JSON.stringify(shown);
}
