// The names of the export formats, and their check.

import { SecretConfigError } from "@org/secrets-core";

/** Every format `formatSecrets` and `exportSecrets` can write. */
export const EXPORT_FORMATS = ["env", "json", "yaml", "shell"] as const;

export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(format: unknown): format is ExportFormat {
  return typeof format === "string" && (EXPORT_FORMATS as readonly string[]).includes(format);
}

/** Throws `SecretConfigError` naming the valid formats when `format` is not one of them. */
export function assertExportFormat(format: unknown): asserts format is ExportFormat {
  if (isExportFormat(format)) return;
  const shown = typeof format === "string" ? JSON.stringify(format.slice(0, 40)) : `of type ${typeof format}`;
  throw new SecretConfigError(`Unknown export format ${shown}: use one of ${EXPORT_FORMATS.join(", ")}`, {
    field: "format",
  });
}
