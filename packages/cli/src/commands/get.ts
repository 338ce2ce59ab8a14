import { SecretNotFoundError } from "@org/secrets-core";
import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";

/** `secrets get NAME [--version V]`: the exact value; a newline only for a human at a terminal. */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const name = String(args.name);
  const version = typeof args.version === "string" ? args.version : undefined;
  const manager = context.manager();
  const record = await manager.getSecretRecord(name, version === undefined ? {} : { version });
  if (record === undefined) {
    const which = version === undefined ? "" : ` (version '${version.slice(0, 64)}')`;
    throw new SecretNotFoundError(`Secret '${name}'${which} not found`, {
      secret: name,
      provider: manager.providerName,
    });
  }
  if (context.global.json) {
    context.out.printJson({
      name,
      value: record.value,
      ...(record.version === undefined ? {} : { version: record.version }),
      ...(record.createdAt === undefined ? {} : { createdAt: record.createdAt.toISOString() }),
      ...(record.updatedAt === undefined ? {} : { updatedAt: record.updatedAt.toISOString() }),
    });
    return EXIT.OK;
  }
  context.out.data(context.io.stdoutIsTTY ? `${record.value}\n` : record.value);
  return EXIT.OK;
}
