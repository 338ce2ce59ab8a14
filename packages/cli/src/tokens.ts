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

/** `--json` among the options (before any `--`), whether or not parsing got that far. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === "--json" || arg === "--json=true");
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

/**
 * Commands run often enough (by scripts, probes) to keep a code cache of their own:
 * V8's cache holds every function the run that wrote it compiled, so `get`
 * deserializing a cache written by `init` would pay for init's code.
 */
const OWN_CODE_CACHE = new Set(["get", "health", "list", "export", "run"]);

/** The name of the code cache a command line uses: its command's own, or one shared by every other. */
export function codeCacheVariant(argv: readonly string[]): string | undefined {
  const command = firstCommandToken(argv);
  return command !== undefined && OWN_CODE_CACHE.has(command) ? command : undefined;
}
