/**
 * A last line of defence: every secret value that passes through a manager is
 * remembered here (in this process only), and every log line and error message
 * core produces is scrubbed of them. Core never puts values into messages in the
 * first place; this catches what a backend or SDK might echo back.
 */

export const REDACTED = "[REDACTED]";

/** Shorter values would turn ordinary words in logs into "[REDACTED]"; core never logs values in the first place. */
const MIN_LENGTH = 8;

let known: Set<string> | undefined;
let pattern: RegExp | undefined;

export function registerSecretValue(value: string): void {
  if (typeof value !== "string" || value.length < MIN_LENGTH) return;
  known ??= new Set();
  if (known.has(value)) return;
  known.add(value);
  // Also the forms a value commonly takes when echoed: JSON-escaped and URL-encoded.
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) known.add(json);
  const url = encodeURIComponent(value);
  if (url !== value) known.add(url);
  pattern = undefined;
}

/** Replace every known secret value in `text`. */
export function redact(text: string): string {
  if (!known || known.size === 0 || typeof text !== "string") return text;
  if (!pattern) {
    const sorted = [...known].sort((a, b) => b.length - a.length);
    pattern = new RegExp(sorted.map(escapeRegExp).join("|"), "g");
  }
  return text.replace(pattern, REDACTED);
}

/** For tests: forget every remembered value. */
export function clearRedactions(): void {
  known = undefined;
  pattern = undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const SENSITIVE_KEY = /(value|token|password|passwd|secret_?key|credential|authorization|api_?key)s?$/i;

/** Field names that must never carry a value into a log line. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}
