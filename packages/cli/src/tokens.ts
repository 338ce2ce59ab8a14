import { GLOBAL_OPTIONS_WITH_VALUE } from "./global-options.js";

/* A look at the raw arguments before the parser is loaded. */

/** `--version` or `-V` before any command: `secrets --version`, `secrets --json -V`. */
export function isVersionRequest(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--version" || token === "-V") return true;
    if (token === "--" || !token.startsWith("-")) return false;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(token)) i++;
  }
  return false;
}

/** The first token that is not an option or an option's value: the command, when there is one. */
export function firstCommandToken(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") return argv[i + 1];
    if (!token.startsWith("-")) return token;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(token)) i++;
  }
  return undefined;
}
