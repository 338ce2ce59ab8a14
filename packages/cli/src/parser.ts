import type { Argv } from "yargs";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { checkFlagValues } from "./flag-values.js";
import type { CliIO } from "./io.js";
import { withOptionsEnded } from "./option-end.js";
import {
  COMMAND_NAMES,
  COMMANDS,
  type CommandSpec,
  GLOBAL_OPTIONS,
  type ParsedArgs,
  TOP_LEVEL_EPILOG,
} from "./options.js";
import { oneLine } from "./output.js";
import { unknownCommand } from "./suggest.js";
import { firstCommandToken } from "./tokens.js";
import { UsageError } from "./usage-error.js";

/** Runs one command with the arguments the parser produced. */
export type CommandRunner = (spec: CommandSpec, args: ParsedArgs) => Promise<ExitCode>;

/**
 * The full parser (yargs): help, and every command line the quick
 * parser (`quick-parse.ts`) declines, including all the malformed ones, whose
 * messages are yargs' own, made specific in `usageError`. Loaded only then.
 */
export async function parseWithYargs(
  argv: readonly string[],
  io: CliIO,
  runCommand: CommandRunner,
): Promise<ExitCode> {
  // yargs reads `--dry-run=yes` as false: refused before it can.
  checkFlagValues(argv);
  // yargs keeps what follows `--` out of the positionals: `get -- A` is `get A`.
  argv = withOptionsEnded(argv);
  // Imported here, not at the top: the bin bundle inlines this module, and a static import would load yargs at start.
  const { default: yargs } = await import("yargs");
  let exitCode: ExitCode = EXIT.OK;
  let output = "";
  const parser = yargs()
    .scriptName("secrets")
    .usage(
      "$0 <command> [options]\n\nManage application secrets in a dotenv file, HashiCorp Vault / OpenBao or AWS Secrets Manager.",
    )
    .version(false)
    .detectLocale(false)
    .strict()
    .exitProcess(false)
    // yargs wraps by cutting words in half; help text is written to fit 80 columns instead.
    .wrap(null)
    .options(globalOptions())
    .option("version", { alias: "V", type: "boolean", global: false, describe: "Print the version" })
    .help("help")
    .alias("help", "h")
    .demandCommand(1, "Missing command")
    .epilog(TOP_LEVEL_EPILOG)
    .fail((message, error) => {
      // yargs reports its own parsing problems as a YError; anything else was thrown by a command.
      if (error && error.name !== "YError") throw error;
      throw usageError(message ?? error?.message ?? "Invalid arguments", argv);
    });

  for (const spec of COMMANDS) {
    parser.command({
      command: spec.command,
      describe: spec.describe,
      builder: (y: Argv) => describeCommand(y, spec),
      handler: async (args) => {
        exitCode = await runCommand(spec, args as unknown as ParsedArgs);
      },
    });
  }

  await parser.parseAsync([...argv], {}, (_error, _args, text) => {
    output = text ?? "";
  });
  if (output !== "") io.stdout.write(output.endsWith("\n") ? output : `${output}\n`);
  return exitCode;
}

function globalOptions(): Record<string, (typeof GLOBAL_OPTIONS)[string]> {
  const out: Record<string, (typeof GLOBAL_OPTIONS)[string]> = {};
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS))
    out[name] = { ...spec, global: true, group: "Global options:" };
  return out;
}

function describeCommand(y: Argv, spec: CommandSpec): Argv {
  for (const [name, positional] of Object.entries(spec.positionals ?? {})) y.positional(name, positional);
  if (spec.options) y.options(spec.options);
  for (const [command, description] of spec.examples) y.example(command, description);
  if (spec.epilog) y.epilog(spec.epilog);
  if (spec.lenientPositionals) y.strict(false).strictOptions(true);
  return y;
}

/** yargs' validation messages, made specific where we can tell what was meant. */
function usageError(message: string, argv: readonly string[]): UsageError {
  const token = firstCommandToken(argv);
  const command = token !== undefined && COMMAND_NAMES.has(token) ? token : undefined;
  if (token !== undefined && command === undefined && /^Unknown arguments?:/.test(message))
    return unknownCommand(token);
  const spec = COMMANDS.find((c) => c.name === command);
  // An extra positional may be a value typed where it does not belong: never repeat it.
  const unknown = /^Unknown arguments?: (.*)$/.exec(message)?.[1]?.split(", ") ?? [];
  if (unknown.some((item) => argv.includes(item) && !item.startsWith("-")))
    return new UsageError(
      `Too many arguments${spec ? `: usage is secrets ${spec.usage ?? spec.command}` : ""}`,
      { command },
    );
  if (spec && message.startsWith("Not enough non-option arguments"))
    return new UsageError(`Missing argument: usage is secrets ${spec.usage ?? spec.command}`, { command });
  if (command === undefined && message === "Missing command") {
    const unknown = argv.find((arg) => arg.startsWith("-") && !isKnownGlobalFlag(arg));
    // The option's name only: what follows `=` may be a value.
    if (unknown !== undefined)
      return new UsageError(`Unknown option '${oneLine(unknown.split("=")[0] ?? "").slice(0, 40)}'`);
  }
  return new UsageError(oneLine(message), { command });
}

/** A global flag (or its alias), `--help` or `--version`, with or without `=value`. */
function isKnownGlobalFlag(arg: string): boolean {
  const name = arg.replace(/^-+/, "").split("=")[0] ?? "";
  if (["help", "h", "version", "V"].includes(name)) return true;
  return Object.entries(GLOBAL_OPTIONS).some(([key, spec]) => {
    const aliases = spec.alias === undefined ? [] : Array.isArray(spec.alias) ? spec.alias : [spec.alias];
    return key === name || aliases.includes(name);
  });
}
