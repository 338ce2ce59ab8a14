import type { InitAction, InitResult, InitSecretResult } from "@org/secrets-initializer";
import type { CommandContext } from "../context.js";
import { type ExitCode, exitCodeForResult } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";
import { failedWords, type Palette, PLAIN, sharedFailureLines, sharedFailures, table } from "../output.js";
import { refuseDotenvOnManifest } from "../own-files.js";

/** `secrets init [--force] [--dry-run]`: one line per declared secret, then a summary. */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const initializer = await context.initializer();
  // Its writes would land in the manifest: refused before anything is read or written.
  await refuseDotenvOnManifest(initializer.manager, context, "init");
  const result = await initializer.initializeSecrets({
    force: args.force === true,
    dryRun: args.dryRun === true,
  });
  const { out } = context;
  if (context.global.json) {
    out.printJson(result);
    return exitCodeForResult(result);
  }
  const problems = result.secrets.filter((s) => s.action === "missing" || s.action === "failed");
  const shared = sharedFailures(result.secrets);
  if (out.quiet) {
    for (const secret of problems)
      out.warn(`${secret.name}  ${describe(secret, result.dryRun, PLAIN, shared)}`);
    for (const line of sharedFailureLines(shared)) out.warn(line);
  } else {
    for (const line of table(
      result.secrets.map((s) => [s.name, describe(s, result.dryRun, out.color, shared)]),
    ))
      out.info(line);
    out.info(summary(result, initializer.manager.providerName));
    for (const line of sharedFailureLines(shared)) out.info(line);
  }
  return exitCodeForResult(result);
}

/** What happened to one secret, in words; the dry-run form says what would happen. */
export function describe(
  secret: InitSecretResult,
  dryRun: boolean,
  color: Palette,
  shared: ReadonlyMap<string, number>,
): string {
  const would = (done: string, pending: string) => (dryRun ? pending : done);
  switch (secret.action) {
    case "created":
      return color.green(would("created", "would be created"));
    case "regenerated":
      return color.green(would("regenerated", "would be regenerated"));
    case "development-default":
      return color.green(would("set to the development default", "would be set to the development default"));
    case "exists":
      return color.dim("exists");
    case "adopted":
      return color.dim("exists (created by another process meanwhile)");
    case "missing":
      return `${color.red("missing (required)")}: set it with: secrets set ${secret.name}`;
    case "skipped":
      return `${color.yellow("not set (optional, cannot be generated)")}: set it with: secrets set ${secret.name}`;
    case "failed":
      return failedWords(secret, shared, color);
  }
}

const SUMMARY_ORDER: ReadonlyArray<readonly [InitAction, string]> = [
  ["created", "created"],
  ["regenerated", "regenerated"],
  ["development-default", "development default"],
  ["adopted", "created elsewhere"],
  ["exists", "unchanged"],
  ["skipped", "optional not set"],
  ["missing", "required missing"],
  ["failed", "failed"],
];

function summary(result: InitResult, provider: string): string {
  const counts = SUMMARY_ORDER.map(
    ([action, label]) => [result.secrets.filter((s) => s.action === action).length, label] as const,
  )
    .filter(([count]) => count > 0)
    .map(([count, label]) => `${count} ${label}`);
  const head = result.dryRun
    ? `Dry run, nothing written (${provider})`
    : `Initialized ${result.secrets.length} secrets (${provider})`;
  return `${head}: ${counts.join(", ") || "nothing declared"}`;
}
