import { type ProviderLoaders, parseLogLevel } from "@org/secrets-core";
import yargs, { type Argv } from "yargs";
import { CommandContext } from "./context.js";
import { EXIT, type ExitCode, exitCodeForError, secretErrorCode } from "./exit-codes.js";
import { type CliIO, useColor } from "./io.js";
import { errorSummary, REPORTED, scrubText } from "./json-error.js";
import {
  COMMAND_NAMES,
  COMMANDS,
  type CommandSpec,
  GLOBAL_OPTIONS,
  type ParsedArgs,
  TOP_LEVEL_EPILOG,
} from "./options.js";
import { oneLine } from "./output.js";
import { PromptCancelledError } from "./prompt.js";
import { checkArguments } from "./rules.js";
import { unknownCommand } from "./suggest.js";
import { firstCommandToken } from "./tokens.js";
import { UsageError } from "./usage-error.js";

export interface MainOptions {
  loaders?: ProviderLoaders | undefined;
}

/** Parse, run the command, and turn whatever it threw into one line on stderr and an exit code. */
export async function main(argv: readonly string[], io: CliIO, options: MainOptions = {}): Promise<ExitCode> {
  // Bare `secrets`: the usage, on stderr, and the usage-error status.
  if (argv.length === 0) {
    await parseAndRun(["--help"], { ...io, stdout: io.stderr }, options);
    return EXIT.USAGE;
  }
  try {
    return await parseAndRun(argv, io, options);
  } catch (error) {
    // --json promises one JSON document on stdout, failures included.
    if (wantsJson(argv) && !(error !== null && typeof error === "object" && REPORTED in error))
      io.stdout.write(`${JSON.stringify({ ok: false, error: errorSummary(error) }, null, 2)}\n`);
    printError(io, error);
    return exitCodeForError(error);
  }
}

/** `--json` among the options (before any `--`), whether or not parsing got that far. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === "--json" || arg === "--json=true");
}

async function parseAndRun(argv: readonly string[], io: CliIO, options: MainOptions): Promise<ExitCode> {
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
        exitCode = await runCommand(spec, args as unknown as ParsedArgs, io, options);
      },
    });
  }

  parser.completion("completion", "Print a shell completion script (bash; zsh when SHELL is zsh)");

  await parser.parseAsync([...argv], {}, (_error, _args, text) => {
    output = text ?? "";
  });
  if (output !== "") io.stdout.write(output.endsWith("\n") ? output : `${output}\n`);
  return exitCode;
}

async function runCommand(
  spec: CommandSpec,
  args: ParsedArgs,
  io: CliIO,
  options: MainOptions,
): Promise<ExitCode> {
  checkArguments(spec.name, args);
  const context = new CommandContext(io, args, options.loaders);
  try {
    const command = await spec.load();
    return await command.run(args, context);
  } finally {
    await context.close().catch((error: unknown) => {
      context.logger.debug("provider close failed", {
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }
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

/**
 * The one place errors are printed. Text: one line, `Error: <message>`, and
 * with `LOG_LEVEL=debug` the stack and causes. `LOG_FORMAT=json`: one JSON line
 * `{"time","level":"error","msg","code",...}`, the stack as a field at debug.
 * A `SecretError` (or our own usage and prompt errors) shows its message,
 * already scrubbed by core and redacted again here; anything else shows a
 * generic message with the error's name and code, never its own message,
 * which may carry a backend's body.
 */
export function printError(io: CliIO, error: unknown): void {
  const code = errorCode(error);
  let message = oneLine(scrubText(describeError(error))) || "unknown error";
  if (error instanceof UsageError) message += ` (${error.hint})`;
  const debug = isDebug(io);
  if (isJsonFormat(io)) {
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: "error",
      msg: message,
      code: code ?? "UNEXPECTED",
    };
    if (error instanceof Error && code === undefined) line.name = oneLine(error.name).slice(0, 80);
    const secret = (error as { secret?: unknown } | null)?.secret;
    if (typeof secret === "string") line.secret = secret;
    if (debug && error instanceof Error) line.stack = scrubText(stackWithCauses(error));
    io.stderr.write(`${JSON.stringify(line)}\n`);
    return;
  }
  const label = useColor(io, "stderr") ? "\u001b[31mError:\u001b[39m" : "Error:";
  io.stderr.write(`${label} ${message}\n`);
  if (debug && error instanceof Error) io.stderr.write(`${scrubText(stackWithCauses(error))}\n`);
}

/** A `SecretError`'s stable code (by shape, so a provider's own copy of core counts); else undefined. */
function errorCode(error: unknown): string | undefined {
  return secretErrorCode(error);
}

function describeError(error: unknown): string {
  if (error instanceof PromptCancelledError) return error.message;
  if (error instanceof Error && errorCode(error) !== undefined) return error.message;
  const name = error instanceof Error ? oneLine(error.name).slice(0, 80) : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  const shownCode = typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? `, ${code}` : "";
  return `Unexpected failure (${name}${shownCode}); run with LOG_LEVEL=debug for details`;
}

function isJsonFormat(io: CliIO): boolean {
  return io.env.LOG_FORMAT?.trim().toLowerCase() === "json";
}

function isDebug(io: CliIO): boolean {
  try {
    return parseLogLevel(io.env.LOG_LEVEL, "error") === "debug";
  } catch {
    return false;
  }
}

function stackWithCauses(error: Error): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const text =
      current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    parts.push(depth === 0 ? text : `Caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n");
}
