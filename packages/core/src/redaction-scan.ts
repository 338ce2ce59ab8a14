/**
 * The scanner: one pass over a text, one table probe per character whatever the
 * number of remembered values, replacing every match with `[REDACTED]`. A
 * fingerprint hit grows to the neighbouring delimiters; a short form matches as
 * a whole token when it is shorter than 8 characters.
 */
import {
  B1,
  B2,
  fold,
  type Generation,
  MIN_REDACTED_LENGTH,
  POW1,
  POW2,
  power,
  WINDOW,
} from "./redaction-table.js";

export const REDACTED = "[REDACTED]";

/** How far past a fingerprint hit the scrubbed region may grow, up to a delimiter. */
const MAX_EXTENSION = WINDOW;

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const DELIMITERS = new Set(
  [..." \t\r\n\f\v\"'`,;:=&?#@/\\<>()[]{}|!.\u2026\u00a0"].map((c) => c.charCodeAt(0)),
);

/** `text` with every form remembered in `generations` replaced. */
export function scan(text: string, generations: readonly Generation[]): string {
  const n = text.length;
  if (n < MIN_REDACTED_LENGTH) return text;
  const windowed = generations.filter((g) => g.windows.size > 0);
  const shorts = generations.filter((g) => g.short.size > 0);
  if (windowed.length === 0 && shorts.length === 0) return text;

  const parts: string[] = [];
  let emitted = 0;
  let start = -1;
  let end = -1;
  let extend = false;

  const flush = () => {
    if (start < 0) return;
    let s = start;
    let e = end;
    if (extend) {
      const leftLimit = Math.max(emitted, s - MAX_EXTENSION);
      while (s > leftLimit && !DELIMITERS.has(text.charCodeAt(s - 1))) s--;
      const rightLimit = Math.min(n, e + MAX_EXTENSION);
      while (e < rightLimit && !DELIMITERS.has(text.charCodeAt(e))) e++;
    }
    parts.push(text.slice(emitted, s), REDACTED);
    emitted = e;
    start = -1;
  };
  const mark = (s: number, e: number, ext: boolean) => {
    if (s < emitted) s = emitted;
    if (e <= s) return;
    if (start >= 0 && s <= end) {
      if (e > end) end = e;
      if (ext) extend = true;
      return;
    }
    flush();
    start = s;
    end = e;
    extend = ext;
  };

  let h1 = 0;
  let h2 = 0;
  let head = 0;
  const headPow = power(B1, MIN_REDACTED_LENGTH - 1);
  for (let i = 0; i < MIN_REDACTED_LENGTH - 1; i++)
    head = (Math.imul(head, B1) + fold(text.charCodeAt(i))) | 0;
  const canWindow = windowed.length > 0 && n >= WINDOW;
  if (canWindow) {
    for (let i = 0; i < WINDOW; i++) {
      const c = fold(text.charCodeAt(i));
      h1 = (Math.imul(h1, B1) + c) | 0;
      h2 = (Math.imul(h2, B2) + c) | 0;
    }
  }

  for (let i = 0; i + MIN_REDACTED_LENGTH <= n; i++) {
    if (canWindow && i + WINDOW <= n) {
      if (i > 0) {
        const out = fold(text.charCodeAt(i - 1));
        const inc = fold(text.charCodeAt(i + WINDOW - 1));
        h1 = (Math.imul(h1 - Math.imul(out, POW1), B1) + inc) | 0;
        h2 = (Math.imul(h2 - Math.imul(out, POW2), B2) + inc) | 0;
      }
      for (const g of windowed) {
        if (g.windows.has(h1, h2)) {
          mark(i, i + WINDOW, true);
          break;
        }
      }
    }
    if (shorts.length > 0) {
      if (i > 0) head = (head - Math.imul(fold(text.charCodeAt(i - 1)), headPow)) | 0;
      head = (Math.imul(head, B1) + fold(text.charCodeAt(i + MIN_REDACTED_LENGTH - 1))) | 0;
      const key = head >>> 0;
      for (const g of shorts) {
        const bucket = g.short.get(key);
        if (!bucket) continue;
        for (const form of bucket) {
          const len = form.text.length;
          if (i + len > n || !matchesFolded(text, i, form.text)) continue;
          if (form.bounded) {
            if (i > 0 && isWordChar(text.charCodeAt(i - 1))) continue;
            if (i + len < n && isWordChar(text.charCodeAt(i + len))) continue;
          }
          mark(i, i + len, false);
        }
      }
    }
  }
  flush();
  if (parts.length === 0) return text;
  parts.push(text.slice(emitted));
  return parts.join("");
}

function matchesFolded(text: string, at: number, folded: string): boolean {
  for (let k = 0; k < folded.length; k++) {
    if (fold(text.charCodeAt(at + k)) !== folded.charCodeAt(k)) return false;
  }
  return true;
}
