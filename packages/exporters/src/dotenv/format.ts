// Writing values: the shortest encoding `dotenv` reads back unchanged, and key checks.

import {
  InvalidSecretNameError,
  InvalidSecretValueError,
  isWellFormedText,
} from "@org/secrets-core/provider";
import { expandDoubleQuoted, KEY } from "./parse.js";

type Style = "bare" | "single" | "double" | "backtick";

interface Encoding {
  style: Style;
  text: string;
}

/**
 * Every encoding of `value` that `dotenv` reads back byte-for-byte whatever
 * lines follow it, shortest first (ties: bare, single, double, backtick),
 * or why there is none.
 */
export function encodeValue(value: string): { encodings: Encoding[]; reason: string } {
  if (!isWellFormedText(value)) {
    return {
      encodings: [],
      reason: "it contains an unpaired UTF-16 surrogate, which a UTF-8 file cannot hold",
    };
  }
  const encodings: Encoding[] = [];
  const needsQuotes = whyQuotesAreNeeded(value);
  if (needsQuotes === undefined) encodings.push({ style: "bare", text: value });

  const failures: string[] = [];
  const single = literalQuoteProblem(value, "'");
  if (single === undefined) encodings.push({ style: "single", text: `'${value}'` });
  else failures.push(`single quotes ${single}`);

  const escaped = value.replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  const double = doubleQuoteProblem(value, escaped);
  if (double === undefined) encodings.push({ style: "double", text: `"${escaped}"` });
  else failures.push(`double quotes ${double}`);

  const backtick = literalQuoteProblem(value, "`");
  if (backtick === undefined) encodings.push({ style: "backtick", text: `\`${value}\`` });
  else failures.push(`backticks ${backtick}`);

  const order: Style[] = ["bare", "single", "double", "backtick"];
  encodings.sort((a, b) => a.text.length - b.text.length || order.indexOf(a.style) - order.indexOf(b.style));
  return {
    encodings,
    reason: `dotenv cannot represent it: it needs quotes because ${needsQuotes}, but ${failures.join(", ")}`,
  };
}

/** Why a value cannot be written bare, or `undefined` when it can. */
function whyQuotesAreNeeded(value: string): string | undefined {
  // `KEY=` would read a quoted string from the next line if one started there.
  if (value === "") return "it is empty";
  if (value.trim() !== value) return "it starts or ends with whitespace";
  if (value.includes("#")) return "it contains '#'";
  if (/[\n\r\u2028\u2029]/.test(value)) return "it contains a line break";
  if (/^['"`]/.test(value)) return "it starts with a quote";
  return undefined;
}

/** Why single quotes or backticks (which keep their content literally) cannot hold a value. */
function literalQuoteProblem(value: string, quote: "'" | "`"): string | undefined {
  if (value.includes("\r")) return "cannot hold a carriage return";
  if (value.endsWith("\\")) return "cannot end with a backslash (it would escape the closing quote)";
  if (hasUnescapedQuote(value, quote))
    return `cannot hold the ${quote === "'" ? "single quote" : "backtick"} it contains`;
  return undefined;
}

function doubleQuoteProblem(value: string, escaped: string): string | undefined {
  if (expandDoubleQuoted(escaped) !== value) return "would turn a literal \\n or \\r in it into a line break";
  if (escaped.endsWith("\\")) return "cannot end with a backslash (it would escape the closing quote)";
  if (hasUnescapedQuote(escaped, '"')) return "cannot hold the double quote it contains";
  return undefined;
}

/** A quote not preceded by a backslash would end the quoted value early. */
function hasUnescapedQuote(content: string, quote: string): boolean {
  for (let i = content.indexOf(quote); i !== -1; i = content.indexOf(quote, i + 1)) {
    if (i === 0 || content[i - 1] !== "\\") return true;
  }
  return false;
}

/** Whether `formatDotenvValue` can write `value` so that `dotenv` reads it back unchanged. */
export function canFormatDotenvValue(value: string): boolean {
  return typeof value === "string" && encodeValue(value).encodings.length > 0;
}

/**
 * The shortest encoding of `value` that `dotenv` reads back byte-for-byte, in
 * any file: bare when that is safe, else single quotes, double quotes (the only
 * style that can hold a carriage return, as `\r`) or backticks. An empty value
 * is written `''`, because a bare `KEY=` would take a quoted string on the next
 * line as its value.
 *
 * @param name Used in the error message only.
 * @throws InvalidSecretValueError when no encoding can hold the value (for example
 *   all three quote characters together with a character that needs quoting). The
 *   message says what cannot be represented, never the value.
 */
export function formatDotenvValue(value: string, name = "value"): string {
  if (typeof value !== "string")
    throw new InvalidSecretValueError(undefined, { secret: name, reason: "a value must be a string" });
  // Bare, when possible, is always the shortest encoding.
  if (isWellFormedText(value) && whyQuotesAreNeeded(value) === undefined) return value;
  const { encodings, reason } = encodeValue(value);
  const best = encodings[0];
  if (!best) throw new InvalidSecretValueError(undefined, { secret: name, reason });
  return best.text;
}

export function assertDotenvKey(name: string): void {
  if (typeof name !== "string" || !KEY.test(name))
    throw new InvalidSecretNameError(undefined, {
      name,
      reason: "a dotenv key uses letters, digits, '_', '.' and '-' only",
    });
  if (name === "__proto__")
    throw new InvalidSecretNameError(undefined, {
      name,
      reason: "dotenv drops this key when it reads the file",
    });
}

/** `NAME=value`, with the value encoded by `formatDotenvValue` (no line break at the end). */
export function formatDotenvLine(name: string, value: string): string {
  assertDotenvKey(name);
  return `${name}=${formatDotenvValue(value, name)}`;
}
