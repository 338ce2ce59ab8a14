// The `yaml` format, written by the `yaml` package, which is loaded on first use.

import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import type { SecretEntries } from "./entries.js";
import { toPairs } from "./entries.js";

let yamlModule: typeof Yaml | undefined;

/**
 * `yaml` is loaded when YAML is first written, not at import: a process that
 * exports no YAML never pays for it. `exportSecrets` loads it with `import()`
 * (which bundlers follow); a direct `formatYaml` call before that loads it
 * synchronously.
 */
export async function loadYamlWriter(): Promise<void> {
  yamlModule ??= (await import("yaml")) as typeof Yaml;
}

function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof Yaml;
  return yamlModule;
}

/** Every key and value double-quoted, each pair on one line. */
const OPTIONS: Yaml.ToStringOptions = {
  defaultKeyType: "QUOTE_DOUBLE",
  defaultStringType: "QUOTE_DOUBLE",
  lineWidth: 0,
  doubleQuotedMinMultiLineLength: Number.POSITIVE_INFINITY,
};

/**
 * A YAML mapping whose keys and values are all double-quoted scalars.
 *
 * A double-quoted scalar is always a string, whatever it looks like (`yes`,
 * `on`, `null`, `0123`, `1e3`, `2026-01-01`, `- x`, `: x`…), in YAML 1.1 and
 * 1.2 alike, so no reader can turn a secret into a boolean, number, date or
 * null. Inside the quotes `"` and `\` are escaped, and so is every character
 * that is not printable in YAML or that some reader treats as a line break
 * (control characters, DEL, C1 controls, NEL, U+2028, U+2029, the BOM and
 * non-characters): the whole value stays on one line and reads back identically.
 */
export function formatYaml(entries: SecretEntries): string {
  const pairs = toPairs(entries);
  return escapeRaw(yaml().stringify(new Map(pairs), OPTIONS));
}

/** A YAML double-quoted scalar that every reader decodes to exactly `text`. */
export function quoteYaml(text: string): string {
  return escapeRaw(yaml().stringify(text, OPTIONS)).slice(0, -1);
}

/**
 * Characters the `yaml` package leaves raw inside double quotes (it escapes
 * what `JSON.stringify` escapes): DEL and C1 controls, which YAML does not
 * allow unescaped, NEL, U+2028 and U+2029, which YAML 1.1 reads as line breaks,
 * and the BOM and non-characters U+FFFE / U+FFFF.
 */
const RAW = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** Write each of them as an escape: they only ever occur inside a double-quoted scalar. */
function escapeRaw(text: string): string {
  return text.replace(RAW, (char) => {
    const unit = char.charCodeAt(0);
    return unit <= 0xff ? `\\x${hex(unit, 2)}` : `\\u${hex(unit, 4)}`;
  });
}

function hex(unit: number, width: number): string {
  return unit.toString(16).toUpperCase().padStart(width, "0");
}
