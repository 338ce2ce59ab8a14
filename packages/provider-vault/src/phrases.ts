/**
 * The allow-list of Vault's error strings: which of them may appear in a
 * message, each in our own spelling. Anything else Vault says is dropped,
 * because Vault echoes request data (and so values) in some of its messages.
 */

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
 * nothing otherwise.
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

/** Vault's `errors` array, with its multi-error wrapping ("2 errors occurred: * a * b") flattened. */
export function vaultErrors(body: unknown): string[] {
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
