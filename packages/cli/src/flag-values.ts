import { COMMANDS, GLOBAL_OPTIONS } from "./options.js";
import { firstCommandToken } from "./tokens.js";
import { UsageError } from "./usage-error.js";

/*
 * A flag (a boolean option) written with a value, `--dry-run=VALUE`, takes
 * only `true` or `false`. yargs reads every other value as false, so
 * `rotate --dry-run=yes` would rotate for real and `health --strict=1` would
 * turn the gate off. Both parsers refuse it with the same message.
 */

/** The value of `--flag=VALUE` that means something, else `undefined`. */
export function flagValue(value: string): boolean | undefined {
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

/** The usage error for `--name=VALUE` on a flag, naming the option and never repeating the value. */
export function flagValueError(name: string, command: string | undefined): UsageError {
  return new UsageError(`--${name} is a flag: give it alone, or as --${name}=true or --${name}=false`, {
    command,
    field: name,
  });
}

/**
 * Throws `flagValueError` when an option before `--` sets a flag of `command`
 * (or a global flag, `--help`, `--version`) to anything but true or false:
 * `--dry-run=yes`, `--dryRun=1`, `-y=no`, `-qy=on`. The full parser's check;
 * the quick parser makes the same one as it reads each option.
 */
export function checkFlagValues(argv: readonly string[]): void {
  const token = firstCommandToken(argv);
  const spec = COMMANDS.find((c) => c.name === token);
  const flags = flagsOf(spec?.options);
  for (const arg of argv) {
    if (arg === "--") return;
    const long = /^--([^=]+)=(.*)$/s.exec(arg);
    const short = long === null ? /^-([A-Za-z]+)=(.*)$/s.exec(arg) : null;
    const match = long ?? short;
    if (match === null) continue;
    // `-qy=VALUE` gives the value to its last letter.
    const key = long === null ? (match[1] as string).slice(-1) : (match[1] as string);
    const name = flags.get(key);
    if (name !== undefined && flagValue(match[2] as string) === undefined)
      throw flagValueError(name, spec?.name);
  }
}

/** Every way to write each flag (name, camelCase, one-letter alias), mapped to its name. */
function flagsOf(options: Readonly<Record<string, { type?: unknown; alias?: unknown }>> | undefined) {
  const flags = new Map<string, string>([
    ["help", "help"],
    ["h", "help"],
  ]);
  // `--version` is a flag everywhere but where a command takes a version (`get --version V`).
  if (options?.version === undefined) {
    flags.set("version", "version");
    flags.set("V", "version");
  }
  for (const [name, option] of [...Object.entries(GLOBAL_OPTIONS), ...Object.entries(options ?? {})]) {
    const forms = [name, name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())];
    const aliases = option.alias === undefined ? [] : [option.alias].flat();
    for (const form of [...forms, ...aliases]) {
      if (typeof form !== "string") continue;
      if (option.type === "boolean") flags.set(form, name);
      else flags.delete(form);
    }
  }
  return flags;
}
