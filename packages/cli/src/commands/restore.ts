import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";

/** `secrets restore NAME`: cancel a scheduled deletion (providers with a recovery window; others: not supported). */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const name = String(args.name);
  const manager = context.manager();
  await manager.restoreSecret(name);
  if (context.global.json)
    context.out.printJson({ name, action: "restored", provider: manager.providerName });
  else context.out.info(`Restored ${name} (${manager.providerName})`);
  return EXIT.OK;
}
