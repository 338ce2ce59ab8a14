// Formatting in any format, and writing the result to a file atomically.

import { writeSecretFile } from "@org/secrets-core/provider";
import type { SecretEntries } from "./entries.js";
import { formatEnv } from "./env.js";
import { assertExportFormat, type ExportFormat } from "./formats.js";
import { formatJson } from "./json.js";
import { formatShell } from "./shell.js";
import { formatYaml, loadYamlWriter } from "./yaml.js";

const FORMATTERS: Readonly<Record<ExportFormat, (entries: SecretEntries) => string>> = {
  env: formatEnv,
  json: formatJson,
  yaml: formatYaml,
  shell: formatShell,
};

/**
 * The secrets as text in `format`, in the caller's order. Throws
 * `SecretConfigError` for an unknown format, `InvalidSecretNameError` for a
 * name that is not a valid secret name, and `InvalidSecretValueError` (naming
 * the secret, never the value) for a value the format cannot represent.
 */
export function formatSecrets(entries: SecretEntries, format: ExportFormat): string {
  assertExportFormat(format);
  return FORMATTERS[format](entries);
}

export interface ExportOptions {
  format: ExportFormat;
  /** Write to this file (atomically, mode 0600) instead of only returning the text. */
  output?: string | undefined;
}

export interface ExportResult {
  format: ExportFormat;
  /** The exported text. */
  content: string;
  /** How many secrets were exported. */
  count: number;
  /** The file written, when `output` was given. */
  output?: string | undefined;
}

/**
 * Format the secrets and, when `output` is given, write them with core's
 * `writeSecretFile`: a temporary file beside the target, mode 0600, renamed
 * over it. Everything is formatted before anything is written, so a value the
 * format cannot represent leaves the target untouched.
 */
export async function exportSecrets(entries: SecretEntries, options: ExportOptions): Promise<ExportResult> {
  if (options.format === "yaml") await loadYamlWriter();
  const content = formatSecrets(entries, options.format);
  const count = entries instanceof Map ? entries.size : Object.keys(entries).length;
  if (options.output === undefined) return { format: options.format, content, count };
  await writeSecretFile(options.output, content, { mode: 0o600 });
  return { format: options.format, content, count, output: options.output };
}
