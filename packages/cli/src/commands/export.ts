import path from "node:path";
import { type ExportFormat, exportSecrets } from "@org/secrets-exporters";
import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";

/**
 * `secrets export --format F [--output FILE] [--all]`: the manifest's secrets
 * that exist, in manifest order, then (with `--all`) every other secret the
 * provider lists, sorted. To stdout, or atomically to FILE with mode 0600.
 */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const format = args.format as ExportFormat; // checked in rules.ts
  const output = typeof args.output === "string" ? args.output : undefined;
  const manager = context.manager();
  const manifest = await context.manifest();

  const declared = manifest.secrets.map((s) => s.name);
  const extra =
    args.all === true ? (await manager.listSecrets()).filter((name) => !declared.includes(name)) : [];
  const found = await manager.getSecrets([...declared, ...extra]);

  const entries = new Map<string, string>();
  for (const name of [...declared, ...extra]) {
    const value = found.get(name);
    if (value !== undefined) entries.set(name, value);
  }
  const missingRequired = manifest.secrets.filter((s) => s.required && !found.has(s.name)).map((s) => s.name);
  if (missingRequired.length > 0)
    context.out.warn(
      `required secret${missingRequired.length > 1 ? "s" : ""} not exported (missing): ${missingRequired.join(", ")}`,
    );

  const result = await exportSecrets(entries, {
    format,
    output: output === undefined ? undefined : path.resolve(context.io.cwd, output),
  });
  if (output === undefined) {
    context.out.data(result.content);
    return EXIT.OK;
  }
  if (context.global.json)
    context.out.printJson({ format, output, count: result.count, names: [...entries.keys()] });
  else
    context.out.info(
      `Exported ${result.count} secret${result.count === 1 ? "" : "s"} to ${output} (${format}, mode 0600)`,
    );
  return EXIT.OK;
}
