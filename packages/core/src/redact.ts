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
 * The registry is process-wide (see process-wide.ts), so an ESM and a CJS copy
 * of core in one process share it. This file is the registry and the public
 * API; the table is redaction-table.ts, the encoded forms redaction-forms.ts,
 * the scanner redaction-scan.ts.
 */
import { processWide } from "./process-wide.js";
import { formsOf } from "./redaction-forms.js";
import { REDACTED, scan } from "./redaction-scan.js";
import {
  FRAGMENT_LENGTH,
  fingerprintKey,
  Generation,
  MAX_SHORT_FORMS,
  MIN_FREE_TEXT_LENGTH,
  MIN_REDACTED_LENGTH,
} from "./redaction-table.js";

export { FRAGMENT_LENGTH, MIN_FREE_TEXT_LENGTH, MIN_REDACTED_LENGTH, REDACTED };

/** What `redact` returns when scrubbing itself fails: never the text it was given. */
export const REDACTION_FAILED = "[message withheld: redaction failed]";

/** The shared registry. Its shape is versioned (see process-wide.ts): raise the version when it changes. */
interface RedactionRegistry {
  register(value: string): void;
  scrub(text: string, also: readonly string[] | undefined): string;
  clear(): void;
}

const REGISTRY_VERSION = 1;

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

/** The process-wide registry, created on first use (importing core creates nothing). */
function registry(): RedactionRegistry {
  return processWide("redaction", REGISTRY_VERSION, createRegistry);
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
const SENSITIVE_KEY = /(value|token|password|passwd|secret_?key|credential|authorization|api_?key)s?$/i;

/** Field names that must never carry a value into a log line. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}
