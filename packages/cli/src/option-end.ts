import { COMMANDS, type CommandSpec, GLOBAL_OPTIONS } from "./options.js";
import { firstCommandToken } from "./tokens.js";

/**
 * `--` ends the options: `secrets get -- NAME` is `secrets get NAME`, and
 * `secrets rotate -- A B` rotates A and B. yargs keeps what follows `--` apart
 * instead of filling the command's positionals with it (`get -- A` said
 * "Missing argument"), so for every command but `run` (whose command line is
 * what follows `--`) the `--` is taken out, when nothing after it looks like
 * an option and it is not where an option's value goes. Any other line is
 * left as it is. The quick parser reads `--` the same way.
 */
export function withOptionsEnded(argv: readonly string[]): readonly string[] {
  const at = argv.indexOf("--");
  if (at === -1) return argv;
  const command = COMMANDS.find((c) => c.name === firstCommandToken(argv.slice(0, at)));
  if (command === undefined || command.name === "run") return argv;
  const rest = argv.slice(at + 1);
  if (rest.length === 0 || rest.some((token) => token.startsWith("-"))) return argv;
  const before = argv[at - 1];
  if (before !== undefined && (takesValue(before, command) || flagWouldTake(before, rest[0] as string)))
    return argv;
  return [...argv.slice(0, at), ...rest];
}

/**
 * `--flag -- true`: without the `--`, yargs would read `true` (or `false`) as
 * the flag's value. Such a line is left as it is (the quick parser declines it).
 */
export function flagWouldTake(before: string, next: string): boolean {
  return before.startsWith("-") && !before.includes("=") && /^(?:true|false)$/i.test(next);
}

/** Whether `token` is an option of `command` (or a global one) that takes the next token as its value. */
function takesValue(token: string, command: CommandSpec): boolean {
  if (!token.startsWith("-") || token.includes("=")) return false;
  const key = token.replace(/^--?/, "");
  return [...Object.entries(GLOBAL_OPTIONS), ...Object.entries(command.options ?? {})].some(
    ([name, option]) =>
      option.type === "string" &&
      [
        name,
        name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()),
        ...[option.alias ?? []].flat(),
      ].includes(key),
  );
}
