// `@org/secrets-exporters/dotenv`: a dotenv codec that reads files exactly as
// the `dotenv` package's `parse` does (parse.ts), writes values in the shortest
// form that `dotenv` reads back unchanged (format.ts), and edits files in place
// without disturbing anything it was not asked to change (document.ts).
export { DotenvDocument, type DotenvDocumentOptions, type DotenvSetOptions } from "./document.js";
export { canFormatDotenvValue, formatDotenvLine, formatDotenvValue } from "./format.js";
export { DEFAULT_DOTENV_MAX_LENGTH, type DotenvParseOptions, isDotenvKey, parseDotenv } from "./parse.js";
