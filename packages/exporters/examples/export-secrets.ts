import { EXPORT_FORMATS, type ExportFormat, exportSecrets, formatSecrets } from "@org/secrets-exporters";

const secrets = new Map([
  ["DATABASE_URL", "postgres://app:s3cr3t@db:5432/app"],
  ["SECRET_KEY", `it's "quoted"\nand spans two lines`],
]);

// As text, in the map's order: every value reads back exactly in its format.
export const asYaml: string = formatSecrets(secrets, "yaml");

// To a file only its owner can read, replaced atomically (never half-written).
export async function writeSecrets(file: string, format: ExportFormat = "env"): Promise<void> {
  await exportSecrets(secrets, { format, output: file });
}

export const formats: readonly ExportFormat[] = EXPORT_FORMATS; // ["env", "json", "yaml", "shell"]
