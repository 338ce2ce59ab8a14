// `@org/secrets-exporters`: the formats and the export to a file.
export type { SecretEntries } from "./entries.js";
export { formatEnv } from "./env.js";
export { type ExportOptions, type ExportResult, exportSecrets, formatSecrets } from "./export.js";
export { assertExportFormat, EXPORT_FORMATS, type ExportFormat, isExportFormat } from "./formats.js";
export { formatJson } from "./json.js";
export { formatShell, quoteShell } from "./shell.js";
export { formatYaml, quoteYaml } from "./yaml.js";
