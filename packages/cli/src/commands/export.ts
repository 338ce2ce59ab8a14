import path from "node:path";
import { ProviderError } from "@org/secrets-core";
import { type ExportFormat, exportSecrets } from "@org/secrets-exporters";
import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { errorSummary } from "../json-error.js";
import type { ParsedArgs } from "../options.js";
import { dotenvFileOf, shownPath } from "../own-files.js";
import { readAll } from "../read-all.js";
import { isSameFile, lockFileOf } from "../same-file.js";
import { listedExtras } from "../secret-names.js";
import { UsageError } from "../usage-error.js";

/**
 * `secrets export --format F [--output FILE] [--all]`: the manifest's secrets
 * that exist, in manifest order, then (with `--all`) every other secret the
 * provider lists, sorted (but for names that make a program load code: see
 * listedExtras). To stdout, or atomically to FILE with mode 0600.
 */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const format = args.format as ExportFormat; // checked in rules.ts
  const output = typeof args.output === "string" ? args.output : undefined;
  const manager = context.manager();
  const manifest = await context.manifest();
  if (output !== undefined) await refuseOwnFiles(output, context, manifest.source);

  const declared = manifest.secrets.map((s) => s.name);
  const extra =
    args.all === true
      ? listedExtras(
          await manager.listSecrets(),
          declared,
          (message) => context.out.warn(message),
          "declare them in the manifest to export them",
        )
      : [];
  const names = [...declared, ...extra];
  const { found, failed } = await readAll(manager, names);
  if (failed.size > 0) {
    const list = [...failed].map(([name, error]) => `${name} (${errorSummary(error).code})`).join(", ");
    if (args.skipUnreadable !== true)
      throw new ProviderError(
        `Export refused: ${failed.size} secret${failed.size === 1 ? "" : "s"} could not be read: ${list}; nothing was written (pass --skip-unreadable to export the others)`,
        { provider: manager.providerName },
      );
    context.out.warn(`not exported (could not be read): ${list}`);
  }

  const entries = new Map<string, string>();
  for (const name of names) {
    const value = found.get(name);
    if (value !== undefined) entries.set(name, value);
  }
  // Unreadable ones were dealt with above (refused, or skipped with a warning): missing means absent.
  const missingRequired = manifest.secrets
    .filter((s) => s.required && !found.has(s.name) && !failed.has(s.name))
    .map((s) => s.name);
  if (missingRequired.length > 0) {
    const list = missingRequired.join(", ");
    const plural = missingRequired.length > 1 ? "s" : "";
    if (args.allowMissing !== true)
      throw new ProviderError(
        `Export refused: required secret${plural} missing: ${list}; nothing was written (pass --allow-missing to export the others)`,
        { provider: manager.providerName },
      );
    context.out.warn(`required secret${plural} not exported (missing): ${list}`);
  }

  const result = await exportSecrets(entries, {
    format,
    output: output === undefined ? undefined : path.resolve(context.io.cwd, output),
  });
  if (output === undefined) {
    context.out.data(result.content);
    return EXIT.OK;
  }
  if (context.global.json)
    context.out.printJson({
      format,
      output,
      count: result.count,
      names: [...entries.keys()],
      unreadable: [...failed].map(([name, error]) => ({ name, ...errorSummary(error) })),
    });
  else
    context.out.info(
      `Exported ${result.count} secret${result.count === 1 ? "" : "s"} to ${output} (${format}, mode 0600)`,
    );
  return EXIT.OK;
}

/**
 * `--output` must not be a file the run itself depends on: the env provider's
 * dotenv file (the export would replace every secret it holds, those outside
 * the manifest included), the lock file its writers take (replacing it would
 * let two writers in at once, and break the lock of one holding it now), or
 * the manifest. Compared as the files a write would replace, so a link to any
 * of them (dangling or not), or a path through a linked directory, is refused too.
 */
async function refuseOwnFiles(
  output: string,
  context: CommandContext,
  manifestSource: string,
): Promise<void> {
  const { cwd } = context.io;
  const target = path.resolve(cwd, output);
  const refuse = (what: string, consequence: string) =>
    new UsageError(
      `Export refused: --output ${output} is ${what}; writing there would ${consequence}: choose another file`,
      {
        command: "export",
        field: "output",
      },
    );
  const provider = (await context.manager().getProvider()) as { name?: unknown };
  const dotenv = dotenvFileOf(provider);
  if (dotenv !== undefined) {
    const owner = typeof provider.name === "string" ? provider.name : "secret";
    if (await isSameFile(target, dotenv))
      throw refuse(
        `the ${owner} provider's own dotenv file (${shownPath(dotenv, cwd)})`,
        "replace the secrets it holds",
      );
    const lock = await lockFileOf(dotenv);
    if (await isSameFile(target, lock))
      throw refuse(
        `the lock file of the ${owner} provider's dotenv file (${shownPath(lock, cwd)})`,
        "break the lock that keeps its writers from overwriting one another",
      );
  }
  if (manifestSource !== "built-in" && (await isSameFile(target, path.resolve(cwd, manifestSource))))
    throw refuse(`the manifest (${shownPath(path.resolve(cwd, manifestSource), cwd)})`, "replace it");
}
