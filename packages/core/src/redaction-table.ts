/**
 * How redaction remembers values: the folding of characters (ASCII case, the
 * URL-safe base64 alphabet), rolling 64-bit fingerprints of 16-character
 * windows in an open-addressing table, and short forms (4 to 15 characters)
 * bucketed by their first four characters. A `Generation` is one bounded set of
 * remembered values; the registry keeps two (see redact.ts).
 */

/** Values shorter than this are never scrubbed. */
export const MIN_REDACTED_LENGTH = 4;
/** Values (and encoded forms) from this length on are scrubbed anywhere, not only as whole tokens. */
export const MIN_FREE_TEXT_LENGTH = 8;
/** The window length: values this long or longer are remembered as window fingerprints. */
export const FRAGMENT_LENGTH = 16;

export const WINDOW = FRAGMENT_LENGTH;
const MIN_STEP = 4;
/** Windows remembered per encoded form at most; longer values get a larger step. */
const WINDOWS_PER_FORM = 65_536;
const MAX_FINGERPRINTS = 1 << 18;
export const MAX_SHORT_FORMS = 1 << 16;

export const B1 = 0x01000193;
export const B2 = 0x5bd1e995;
export const POW1 = power(B1, WINDOW - 1);
export const POW2 = power(B2, WINDOW - 1);

export function power(base: number, exponent: number): number {
  let out = 1;
  for (let i = 0; i < exponent; i++) out = Math.imul(out, base);
  return out;
}

/** ASCII case folded; `-` and `_` folded to `+` and `/` (URL-safe base64 matches standard). */
export function fold(c: number): number {
  if (c >= 65 && c <= 90) return c | 32;
  if (c === 45) return 43;
  if (c === 95) return 47;
  return c;
}

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

export interface ShortForm {
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

/** One generation of remembered values. */
export class Generation {
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

export function fingerprintKey(value: string): string {
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = (Math.imul(h1, B1) + c) | 0;
    h2 = (Math.imul(h2, B2) + c) | 0;
  }
  return `${value.length}:${h1 >>> 0}:${h2 >>> 0}`;
}
