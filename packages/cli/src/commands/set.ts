import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";
import { readHidden } from "../prompt.js";
import { decodeValue, readStdin, readValueFile } from "../read-value.js";
import { UsageError } from "../usage-error.js";

/**
 * `secrets set NAME`: the value from `--from-file`, else stdin exactly as
 * given, else (stdin is a terminal) a hidden prompt answered twice. Never from
 * the command line (see `rules.ts`).
 */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const name = String(args.name);
  const value = await readValue(name, args, context);
  const manager = context.manager();
  await manager.setSecret(name, value);
  if (context.global.json) context.out.printJson({ name, action: "set", provider: manager.providerName });
  else context.out.info(`Set ${name} (${manager.providerName})`);
  return EXIT.OK;
}

async function readValue(name: string, args: ParsedArgs, context: CommandContext): Promise<string> {
  const { io } = context;
  const file = typeof args.fromFile === "string" ? args.fromFile : undefined;
  if (file !== undefined)
    return decodeValue(await readValueFile(io, file, "--from-file"), name, `--from-file ${file}`);
  if (!io.stdinIsTTY) {
    const value = decodeValue(await readStdin(io), name, "stdin");
    if (value === "") context.out.warn(`stdin was empty: ${name} is set to an empty value`);
    return value;
  }
  const first = await readHidden(io, `Value for ${name}: `);
  if (first === "") throw new UsageError(`No value entered: ${name} was not changed`, { command: "set" });
  const second = await readHidden(io, `Repeat the value for ${name}: `);
  if (first !== second)
    throw new UsageError(`The two entries differ: ${name} was not changed`, { command: "set" });
  return first;
}
