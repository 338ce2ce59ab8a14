import { SecretNotFoundError } from "@org/secrets-core";
import type { CommandContext } from "../context.js";
import { EXIT, EXIT_DECLINED, type ExitCode } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";
import { refuseDotenvOnManifest } from "../own-files.js";
import { confirm } from "../prompt.js";
import { UsageError } from "../usage-error.js";

/**
 * `secrets delete NAME [--yes] [--permanent]`: asks first on a terminal; exit 4
 * when there is nothing to delete. Providers with a recovery window (AWS, Vault
 * KV v2) keep the secret restorable unless `--permanent` is given.
 */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const name = String(args.name);
  const manager = context.manager();
  const notFound = () =>
    new SecretNotFoundError(`Secret '${name}' not found`, { secret: name, provider: manager.providerName });

  await refuseDotenvOnManifest(manager, context, "delete");
  // Without a terminal there is no one to ask: deleting needs an explicit --yes.
  if (!context.io.stdinIsTTY && args.yes !== true)
    throw new UsageError(`Not deleting ${name}: without a terminal to confirm on, pass --yes`, {
      command: "delete",
    });
  if (context.io.stdinIsTTY && args.yes !== true) {
    if ((await manager.getSecretRecord(name)) === undefined) throw notFound();
    const yes = await confirm(context.io, `Delete secret '${name}' from ${manager.providerName}?`);
    if (!yes) {
      context.out.warn(`${name} was not deleted`);
      return EXIT_DECLINED;
    }
  }
  const permanent = args.permanent === true;
  if (!(await manager.deleteSecret(name, { permanent }))) throw notFound();
  const provider = await manager.getProvider();
  const restorable =
    !permanent && typeof provider.restore === "function" && provider.traits?.finalDeletes !== true;
  if (context.global.json)
    context.out.printJson({ name, action: "deleted", provider: manager.providerName, permanent, restorable });
  else if (restorable)
    context.out.info(
      `Deleted ${name} (${manager.providerName}); until the provider purges it: secrets restore ${name}`,
    );
  else context.out.info(`Deleted ${name} (${manager.providerName})`);
  return EXIT.OK;
}
