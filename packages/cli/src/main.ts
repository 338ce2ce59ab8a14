import { type ProviderLoaders, parseLogLevel } from "@org/secrets-core";
import { CommandContext } from "./context.js";
import { errorLine, wantsJsonLines } from "./error-line.js";
import { EXIT, type ExitCode, exitCodeForError, secretErrorCode } from "./exit-codes.js";
import { type CliIO, useColor } from "./io.js";
import { errorSummary, REPORTED, scrubText } from "./json-error.js";
import type { CommandSpec, ParsedArgs } from "./options.js";
import { oneLine } from "./output.js";
import type { CommandRunner } from "./parser.js";
import { PromptCancelledError } from "./prompt.js";
import { parseQuick } from "./quick-parse.js";
import { checkArguments } from "./rules.js";
import { wantsJson } from "./tokens.js";
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
  // What a completion script asks on each Tab: candidates, one a line, and never an error message.
  if (argv[0] === "__complete") return complete(argv.slice(1), io);
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

async function complete(words: readonly string[], io: CliIO): Promise<ExitCode> {
  try {
    const { completionCandidates } = await import("./completion.js");
    const candidates = await completionCandidates(words, { cwd: io.cwd, env: io.env });
    if (candidates.length > 0) io.stdout.write(`${candidates.join("\n")}\n`);
  } catch {
    // Nothing to offer: the shell falls back to its own completion.
  }
  return EXIT.OK;
}

async function parseAndRun(argv: readonly string[], io: CliIO, options: MainOptions): Promise<ExitCode> {
  const run: CommandRunner = (spec, args) => runCommand(spec, args, io, options);
  // The common command lines are parsed here; yargs is loaded only for the rest.
  const quick = parseQuick(argv);
  if (quick !== undefined) return run(quick.spec, quick.args);
  const { parseWithYargs } = await import("./parser.js");
  return parseWithYargs(argv, io, run);
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
  if (wantsJsonLines(io.env)) {
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
  io.stderr.write(errorLine(message, code ?? "UNEXPECTED", { json: false, color: useColor(io, "stderr") }));
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
