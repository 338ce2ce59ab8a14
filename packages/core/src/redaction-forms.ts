/**
 * The forms a value is remembered in besides itself: JSON-escaped, escaped as
 * Node's `util.inspect` quotes it (which error messages such as "Received ..."
 * use), URL-encoded and base64 (standalone, and at the three alignments it can
 * have inside a longer base64 text).
 */
import type * as Util from "node:util";
import { MIN_REDACTED_LENGTH } from "./redaction-table.js";

/** Values above this get only their raw, JSON and URL forms remembered, not base64. */
const MAX_ENCODED_LENGTH = 65_536;

/** Whether Node's `util.inspect` writes some character of `value` as an escape (`\x00`, `\n`, `\\`, `\'`, `\ud800`). */
function hasInspectEscapes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x5c || c === 0x27 || (c >= 0xd800 && c <= 0xdfff))
      return true;
  }
  return false;
}

/** The forms a value is remembered in. */
export function formsOf(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(JSON.stringify(value).slice(1, -1));
  // As Node's own messages quote it ("Received 'p\x00ss'"), which differs from JSON's escapes.
  if (hasInspectEscapes(value)) forms.add(inspectedText(value));
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

/** `value` as `util.inspect` writes it, without its quotes; `util` is loaded only for such a value. */
function inspectedText(value: string): string {
  const { inspect }: typeof Util = process.getBuiltinModule("node:util");
  return inspect(value).slice(1, -1);
}
