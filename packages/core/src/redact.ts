/**
 * A last line of defence: every secret value that passes through a manager is
 * remembered here (in this process only), and every log line and error message
 * core produces is scrubbed of them. Core never puts values into messages in the
 * first place; this catches what a backend or SDK might echo back.
 *
 * How values are matched (see the README's "Redaction" section):
 *
 * - shorter than 4 characters: never scrubbed (they would hit ordinary words);
 * - 4 to 7 characters: scrubbed where they stand as a whole token (no letter or
 *   digit right before or after);
 * - 8 to 15 characters: scrubbed wherever they occur;
 * - 16 characters or more: every 16-character window of the value (at a step of
 *   4, more for very long values) is remembered as a 64-bit fingerprint, never as
 *   text; any window of the scanned text whose fingerprint is known is scrubbed,
 *   with its neighbours up to the next delimiter. A whole occurrence, a prefix or
 *   suffix of 16+ characters and any fragment of 19+ characters (of values up
 *   to 256 KiB) is caught.
 *
 * Matching ignores ASCII case, and treats `-`/`_` like `+`/`/`, so upper- and
 * lower-cased forms and URL-safe base64 are caught with the standard forms.
 * Each value is also remembered JSON-escaped, URL-encoded and base64-encoded
 * (standalone, and at the three alignments it can have inside a longer base64
 * text).
 *
 * Scanning costs one table probe per character of text, however many values are
 * remembered. Memory is bounded: two generations of at most 2^18 fingerprints
 * (a 4 MiB table) and 2^16 short forms each; when the newer generation
 * fills up, the older one is dropped and its values are no longer scrubbed
 * until they pass through a manager again. A registered value only waits in a
 * queue (at most 65,536 values or 4 Mi characters) until the next scan builds
 * its forms and fingerprints, so registering costs almost nothing.
 *
 * The registry is process-wide (under a global symbol), so an ESM and a CJS copy
 * of core in one process share it.
 */

export const REDACTED = "[REDACTED]";

/** What `redact` returns when scrubbing itself fails: never the text it was given. */
export const REDACTION_FAILED = "[message withheld: redaction failed]";

/** Values shorter than this are never scrubbed. */
export const MIN_REDACTED_LENGTH = 4;
/** Values (and encoded forms) from this length on are scrubbed anywhere, not only as whole tokens. */
export const MIN_FREE_TEXT_LENGTH = 8;
/** The window length: values this long or longer are remembered as window fingerprints. */
export const FRAGMENT_LENGTH = 16;

const WINDOW = FRAGMENT_LENGTH;
const MIN_STEP = 4;
/** Windows remembered per encoded form at most; longer values get a larger step. */
const WINDOWS_PER_FORM = 65_536;
/** Values above this get only their raw, JSON and URL forms remembered, not base64. */
const MAX_ENCODED_LENGTH = 65_536;
const MAX_FINGERPRINTS = 1 << 18;
const MAX_SHORT_FORMS = 1 << 16;
/** How far past a fingerprint hit the scrubbed region may grow, up to a delimiter. */
const MAX_EXTENSION = WINDOW;

const B1 = 0x01000193;
const B2 = 0x5bd1e995;
const POW1 = power(B1, WINDOW - 1);
const POW2 = power(B2, WINDOW - 1);

function power(base: number, exponent: number): number {
  let out = 1;
  for (let i = 0; i < exponent; i++) out = Math.imul(out, base);
  return out;
}

/** ASCII case folded; `-` and `_` folded to `+` and `/` (URL-safe base64 matches standard). */
function fold(c: number): number {
  if (c >= 65 && c <= 90) return c | 32;
  if (c === 45) return 43;
  if (c === 95) return 47;
  return c;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const DELIMITERS = new Set(
  [..." \t\r\n\f\v\"'`,;:=&?#@/\\<>()[]{}|!.\u2026\u00a0"].map((c) => c.charCodeAt(0)),
);

function mix(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** An open-addressing set of 64-bit fingerprints in typed arrays. */
class FingerprintSet {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #mask: number;
  size = 0;

  constructor(capacity = 1024) {
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#mask = capacity - 1;
  }

  add(h1: number, h2: number): void {
    const hi = h1 >>> 0;
    const lo = h2 >>> 0 || 1;
    if ((this.size + 1) * 2 > this.#hi.length) this.#grow();
    let slot = mix(hi ^ Math.imul(lo, 0x9e3779b1)) & this.#mask;
    for (;;) {
      const h = this.#hi[slot] as number;
      const l = this.#lo[slot] as number;
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return;
      slot = (slot + 1) & this.#mask;
    }
    this.#hi[slot] = hi;
    this.#lo[slot] = lo;
    this.size++;
  }

  has(h1: number, h2: number): boolean {
    const hi = h1 >>> 0;
    const lo = h2 >>> 0 || 1;
    let slot = mix(hi ^ Math.imul(lo, 0x9e3779b1)) & this.#mask;
    for (;;) {
      const h = this.#hi[slot] as number;
      const l = this.#lo[slot] as number;
      if (h === hi && l === lo) return true;
      if (h === 0 && l === 0) return false;
      slot = (slot + 1) & this.#mask;
    }
  }

  #grow(): void {
    const hi = this.#hi;
    const lo = this.#lo;
    this.#hi = new Uint32Array(hi.length * 2);
    this.#lo = new Uint32Array(hi.length * 2);
    this.#mask = hi.length * 2 - 1;
    this.size = 0;
    for (let i = 0; i < hi.length; i++) {
      if (hi[i] !== 0 || lo[i] !== 0) this.add(hi[i] as number, lo[i] as number);
    }
  }
}

interface ShortForm {
  /** The folded form. */
  readonly text: string;
  /** Only as a whole token (forms shorter than MIN_FREE_TEXT_LENGTH). */
  readonly bounded: boolean;
}

/** Hash of the first 4 folded characters at `at`: the key short forms are found by. */
function headKey(s: string, at: number): number {
  let h = 0;
  for (let k = 0; k < MIN_REDACTED_LENGTH; k++) h = Math.imul(h, B1) + fold(s.charCodeAt(at + k));
  return h >>> 0;
}

function foldString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(fold(s.charCodeAt(i)));
  return out;
}

/** The forms a value is remembered in. */
function formsOf(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(JSON.stringify(value).slice(1, -1));
  try {
    const url = encodeURIComponent(value);
    forms.add(url);
    if (url.includes("%20")) forms.add(url.replace(/%20/g, "+"));
  } catch {
    // A lone surrogate has no URL encoding.
  }
  if (value.length <= MAX_ENCODED_LENGTH) {
    const bytes = Buffer.from(value, "utf8");
    forms.add(bytes.toString("base64").replace(/=+$/, ""));
    // Inside a longer base64 text the value starts at byte offset 0, 1 or 2 of a
    // 3-byte group; characters that mix in neighbouring bytes are left out.
    for (const shift of [1, 2]) {
      const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
      let encoded = padded.toString("base64");
      encoded = encoded.slice(4, padded.length % 3 === 0 ? encoded.length : encoded.length - 4);
      forms.add(encoded);
    }
    const total = bytes.length % 3;
    if (total !== 0) {
      const standalone = bytes.toString("base64");
      forms.add(standalone.slice(0, standalone.length - 4));
    }
  }
  return [...forms].filter((f) => f.length >= MIN_REDACTED_LENGTH);
}

/** One generation of remembered values. */
class Generation {
  readonly windows = new FingerprintSet();
  readonly short = new Map<number, ShortForm[]>();
  shortCount = 0;
  readonly seen = new Set<string>();
  readonly limited: boolean;

  constructor(limited: boolean) {
    this.limited = limited;
  }

  /** Whether adding `forms` would overflow this generation. */
  wouldOverflow(forms: readonly string[]): boolean {
    if (!this.limited) return false;
    let windows = 0;
    let shorts = 0;
    for (const form of forms) {
      if (form.length >= WINDOW) windows += windowCount(form.length);
      else shorts++;
    }
    return (
      this.windows.size + windows > MAX_FINGERPRINTS ||
      this.shortCount + shorts > MAX_SHORT_FORMS ||
      this.seen.size >= MAX_SHORT_FORMS
    );
  }

  add(key: string, forms: readonly string[]): void {
    this.seen.add(key);
    for (const form of forms) {
      if (form.length >= WINDOW) this.#addWindows(form);
      else this.#addShort(form);
    }
  }

  #addShort(form: string): void {
    const text = foldString(form);
    const key = headKey(text, 0);
    const bucket = this.short.get(key);
    const entry: ShortForm = { text, bounded: form.length < MIN_FREE_TEXT_LENGTH };
    if (!bucket) this.short.set(key, [entry]);
    else if (!bucket.some((e) => e.text === text && e.bounded === entry.bounded)) bucket.push(entry);
    else return;
    this.shortCount++;
  }

  #addWindows(form: string): void {
    const step = stepFor(form.length);
    const last = form.length - WINDOW;
    let h1 = 0;
    let h2 = 0;
    for (let i = 0; i < WINDOW; i++) {
      const c = fold(form.charCodeAt(i));
      h1 = (Math.imul(h1, B1) + c) | 0;
      h2 = (Math.imul(h2, B2) + c) | 0;
    }
    for (let at = 0; ; at++) {
      if (at % step === 0 || at === last) this.windows.add(h1, h2);
      if (at === last) break;
      const out = fold(form.charCodeAt(at));
      const inc = fold(form.charCodeAt(at + WINDOW));
      h1 = (Math.imul(h1 - Math.imul(out, POW1), B1) + inc) | 0;
      h2 = (Math.imul(h2 - Math.imul(out, POW2), B2) + inc) | 0;
    }
  }
}

function stepFor(length: number): number {
  const windows = length - WINDOW + 1;
  return Math.max(MIN_STEP, Math.ceil(windows / WINDOWS_PER_FORM));
}

function windowCount(length: number): number {
  return Math.ceil((length - WINDOW + 1) / stepFor(length)) + 1;
}

function fingerprintKey(value: string): string {
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = (Math.imul(h1, B1) + c) | 0;
    h2 = (Math.imul(h2, B2) + c) | 0;
  }
  return `${value.length}:${h1 >>> 0}:${h2 >>> 0}`;
}

/** The shared registry. Its shape is versioned: a copy of core only uses a registry of its own version. */
interface RedactionRegistry {
  readonly version: number;
  register(value: string): void;
  scrub(text: string, also: readonly string[] | undefined): string;
  clear(): void;
}

const REGISTRY_VERSION = 1;
const GLOBAL_KEY = Symbol.for("@org/secrets-core.redaction");

/** Queued values are fingerprinted at once when this many wait, */
const MAX_PENDING = MAX_SHORT_FORMS;
/** or once they total this many characters. */
const MAX_PENDING_CHARS = 1 << 22;

function createRegistry(): RedactionRegistry {
  let current = new Generation(true);
  let previous: Generation | undefined;
  // Registering only queues the value (in order, each once): its forms and
  // fingerprints are built by the next scan, so a process that registers
  // thousands of values and logs nothing never builds them.
  let pending = new Set<string>();
  let pendingChars = 0;

  const remember = (value: string): void => {
    const key = fingerprintKey(value);
    if (current.seen.has(key)) return;
    const forms = formsOf(value);
    if (current.wouldOverflow(forms)) {
      previous = current;
      current = new Generation(true);
    }
    current.add(key, forms);
  };
  const flush = (): void => {
    const values = pending;
    pending = new Set();
    pendingChars = 0;
    for (const value of values) {
      try {
        remember(value);
      } catch {
        // Best effort per value, as registering always was.
      }
    }
  };

  return {
    version: REGISTRY_VERSION,
    register(value) {
      if (typeof value !== "string" || value.length < MIN_REDACTED_LENGTH) return;
      // Registered again: it moves to the end, as if it were remembered now.
      if (pending.delete(value)) pendingChars -= value.length;
      pending.add(value);
      pendingChars += value.length;
      if (pending.size >= MAX_PENDING || pendingChars >= MAX_PENDING_CHARS) flush();
    },
    scrub(text, also) {
      if (pending.size > 0) flush();
      const generations: Generation[] = [current];
      if (previous) generations.push(previous);
      if (also && also.length > 0) {
        const extra = new Generation(false);
        for (const value of also) {
          if (typeof value === "string" && value.length >= MIN_REDACTED_LENGTH)
            extra.add(fingerprintKey(value), formsOf(value));
        }
        generations.push(extra);
      }
      return scan(text, generations);
    },
    clear() {
      current = new Generation(true);
      previous = undefined;
      pending = new Set();
      pendingChars = 0;
    },
  };
}

let local: RedactionRegistry | undefined;

/** The process-wide registry, created on first use (importing core creates nothing). */
function registry(): RedactionRegistry {
  if (local) return local;
  const host = globalThis as Record<symbol, unknown>;
  const existing = host[GLOBAL_KEY] as Partial<RedactionRegistry> | undefined;
  if (existing && typeof existing === "object") {
    if (existing.version === REGISTRY_VERSION) return existing as RedactionRegistry;
    // Another copy of core with an incompatible registry: keep our own.
    local = createRegistry();
    return local;
  }
  const created = createRegistry();
  Object.defineProperty(host, GLOBAL_KEY, { value: created, configurable: true, writable: false });
  return created;
}

/** Remember a secret value so that it is scrubbed from every log line and error message. */
export function registerSecretValue(value: string): void {
  try {
    registry().register(value);
  } catch {
    // Remembering is best effort; it must never break a read or write.
  }
}

/**
 * Replace every remembered secret value in `text`, and every value in `also`
 * (values a request carried that may not be remembered). Never throws: if
 * scrubbing fails, the result is `REDACTION_FAILED`, never the original text.
 */
export function redact(text: string, also?: readonly string[]): string {
  if (typeof text !== "string") return text;
  try {
    return registry().scrub(text, also);
  } catch {
    return REDACTION_FAILED;
  }
}

/** Like `redact`, but throws when scrubbing fails (for callers that replace a whole line). */
export function redactOrThrow(text: string, also?: readonly string[]): string {
  return registry().scrub(text, also);
}

/** For tests: forget every remembered value. */
export function clearRedactions(): void {
  registry().clear();
}

function scan(text: string, generations: readonly Generation[]): string {
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

const SENSITIVE_KEY = /(value|token|password|passwd|secret_?key|credential|authorization|api_?key)s?$/i;

/** Field names that must never carry a value into a log line. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}
