import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";
import { table } from "../output.js";

/**
 * `secrets list`: every name the provider holds, where it can list; otherwise
 * the manifest's secrets, each present or missing. Never a value.
 */
export async function run(_args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const manager = context.manager();
  const { out } = context;
  if ((await manager.getCapabilities()).list) {
    const names = await manager.listSecrets();
    if (context.global.json) out.printJson(names);
    else out.data(names.map((name) => `${name}\n`).join(""));
    return EXIT.OK;
  }

  const manifest = await context.manifest();
  const names = manifest.secrets.map((s) => s.name);
  const present = await manager.getSecrets(names);
  const rows = manifest.secrets.map((s) => ({
    name: s.name,
    required: s.required,
    present: present.has(s.name),
  }));
  if (context.global.json) {
    out.printJson(rows);
    return EXIT.OK;
  }
  const { green, yellow, red } = out.color;
  const lines = table(
    rows.map((row) => [
      row.name,
      row.present ? green("present") : row.required ? red("missing (required)") : yellow("missing"),
    ]),
  );
  out.data(lines.map((line) => `${line}\n`).join(""));
  out.info(
    `${manager.providerName} cannot list its secrets: showing the ${rows.length} secrets of ${describeSource(manifest.source)}`,
  );
  return EXIT.OK;
}

function describeSource(source: string): string {
  return source === "built-in" ? "the built-in manifest" : source;
}
