import type { SecretEntries } from "./entries.js";
import { toPairs } from "./entries.js";

/**
 * A YAML mapping whose keys and values are all double-quoted scalars.
 *
 * A double-quoted scalar is always a string, whatever it looks like (`yes`,
 * `on`, `null`, `0123`, `1e3`, `2026-01-01`, `- x`, `: x`…), in YAML 1.1 and
 * 1.2 alike, so no reader can turn a secret into a boolean, number, date or
 * null. Inside the quotes we escape `"` and `\`, and write as escapes every
 * character that is not printable in YAML or that some reader treats as a line
 * break (control characters, DEL, C1 controls, NEL, U+2028, U+2029, the BOM and
 * non-characters): the whole value stays on one line and reads back identically.
 */
export function formatYaml(entries: SecretEntries): string {
  const pairs = toPairs(entries);
  if (pairs.length === 0) return "{}\n";
  let out = "";
  for (const [name, value] of pairs) out += `${quoteYaml(name)}: ${quoteYaml(value)}\n`;
  return out;
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0: "\\0",
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
  27: "\\e",
  34: '\\"',
  92: "\\\\",
};

/** A YAML double-quoted scalar that every reader decodes to exactly `text`. */
export function quoteYaml(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const short = SHORT_ESCAPES[unit];
    if (short !== undefined) {
      out += short;
    } else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      // A well-formed pair: a character outside the BMP, printable in YAML.
      out += text.slice(i, i + 2);
      i++;
    } else if (needsEscape(unit)) {
      out += unit <= 0xff ? `\\x${hex(unit, 2)}` : `\\u${hex(unit, 4)}`;
    } else {
      out += String.fromCharCode(unit);
    }
  }
  return `${out}"`;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** YAML's printable set, minus the characters YAML 1.1 reads as line breaks. Lone surrogates are escaped too. */
function needsEscape(unit: number): boolean {
  if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return true; // C0, DEL, C1 (including NEL)
  if (unit === 0x2028 || unit === 0x2029) return true; // line and paragraph separators
  if (unit >= 0xd800 && unit <= 0xdfff) return true; // lone surrogate
  return unit === 0xfeff || unit === 0xfffe || unit === 0xffff;
}

function hex(unit: number, width: number): string {
  return unit.toString(16).toUpperCase().padStart(width, "0");
}
