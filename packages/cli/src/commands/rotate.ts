import type { RotateResult, RotateSecretResult } from "@org/secrets-initializer";
import type { CommandContext } from "../context.js";
import { type ExitCode, exitCodeForResult } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";
import { failedWords, type Palette, PLAIN, sharedFailureLines, sharedFailures, table } from "../output.js";
import { refuseDotenvOnManifest } from "../own-files.js";

/** `secrets rotate [NAME...] [--dry-run]`: one line per secret considered, then a summary. */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const names = ((args.names as ReadonlyArray<string | number> | undefined) ?? []).map(String);
  const initializer = await context.initializer();
  // Its writes would land in the manifest: refused before anything is read or written.
  await refuseDotenvOnManifest(initializer.manager, context, "rotate");
  const result = await initializer.rotateSecrets(names.length > 0 ? [...new Set(names)] : undefined, {
    dryRun: args.dryRun === true,
  });
  const { out } = context;
  if (context.global.json) {
    out.printJson(result);
    return exitCodeForResult(result);
  }
  const manifest = await initializer.getManifest();
  const generatable = new Set(manifest.secrets.filter((s) => s.generate !== false).map((s) => s.name));
  const shared = sharedFailures(result.secrets);
  const describeOne = (secret: RotateSecretResult, color: Palette) =>
    describe(secret, result.dryRun, generatable.has(secret.name), color, shared);
  if (out.quiet) {
    for (const secret of result.secrets.filter((s) => s.action === "missing" || s.action === "failed"))
      out.warn(`${secret.name}  ${describeOne(secret, PLAIN)}`);
    for (const line of sharedFailureLines(shared)) out.warn(line);
  } else {
    for (const line of table(result.secrets.map((s) => [s.name, describeOne(s, out.color)]))) out.info(line);
    out.info(summary(result, initializer.manager.providerName));
    for (const line of sharedFailureLines(shared)) out.info(line);
  }
  return exitCodeForResult(result);
}

export function describe(
  secret: RotateSecretResult,
  dryRun: boolean,
  generatable: boolean,
  color: Palette,
  shared: ReadonlyMap<string, number>,
): string {
  switch (secret.action) {
    case "rotated":
      // Versions are in the --json output; some providers derive them from the value, so they are not shown here.
      return color.green(dryRun ? "would be rotated" : "rotated");
    case "missing":
      return `${color.red("missing")}: create it with: secrets init`;
    case "skipped":
      return generatable
        ? `${color.yellow("skipped (not set)")}: create it with: secrets init`
        : `${color.yellow("skipped (cannot be generated)")}: set a new value with: secrets set ${secret.name}`;
    case "failed":
      return failedWords(secret, shared, color);
  }
}

function summary(result: RotateResult, provider: string): string {
  const count = (action: RotateSecretResult["action"]) =>
    result.secrets.filter((s) => s.action === action).length;
  const rotated = count("rotated");
  const parts = [
    result.dryRun ? `${rotated} would be rotated` : `${rotated} rotated`,
    ...(count("skipped") > 0 ? [`${count("skipped")} skipped`] : []),
    ...(count("missing") > 0 ? [`${count("missing")} missing`] : []),
    ...(count("failed") > 0 ? [`${count("failed")} failed`] : []),
  ];
  return `${result.dryRun ? "Dry run, nothing written" : "Rotation done"} (${provider}): ${parts.join(", ")}`;
}
