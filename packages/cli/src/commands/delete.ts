import { SecretNotFoundError } from "@org/secrets-core";
import type { CommandContext } from "../context.js";
import { EXIT, EXIT_DECLINED, type ExitCode } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";
import { confirm } from "../prompt.js";

/** `secrets delete NAME [--yes]`: asks first on a terminal; exit 4 when there is nothing to delete. */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const name = String(args.name);
  const manager = context.manager();
  const notFound = () =>
    new SecretNotFoundError(name, { provider: manager.providerName, message: `Secret '${name}' not found` });

  if (context.io.stdinIsTTY && args.yes !== true) {
    if ((await manager.getSecretRecord(name)) === undefined) throw notFound();
    const yes = await confirm(context.io, `Delete secret '${name}' from ${manager.providerName}?`);
    if (!yes) {
      context.out.warn(`${name} was not deleted`);
      return EXIT_DECLINED;
    }
  }
  if (!(await manager.deleteSecret(name))) throw notFound();
  if (context.global.json) context.out.printJson({ name, action: "deleted", provider: manager.providerName });
  else context.out.info(`Deleted ${name} (${manager.providerName})`);
  return EXIT.OK;
}
