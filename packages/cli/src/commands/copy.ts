import { isSecretError, SecretConflictError, type SecretManager } from "@org/secrets-core";
import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { errorSummary } from "../json-error.js";
import type { ParsedArgs } from "../options.js";
import { type Palette, table } from "../output.js";
import { refuseDotenvOnManifest } from "../own-files.js";
import { readAll } from "../read-all.js";
import { parseSideSettings } from "../side-config.js";

/** What happened to one secret. The dry-run outcomes say what would happen. */
export type CopyOutcome =
  | "created"
  | "overwritten"
  | "exists"
  | "missing"
  | "failed"
  | "would-create"
  | "would-overwrite";

export interface CopySecretResult {
  readonly name: string;
  readonly outcome: CopyOutcome;
  readonly code?: string;
  readonly message?: string;
}

interface Side {
  readonly manager: SecretManager;
  /** The side's environment, which a provider with the `environmentFirst` trait reads names from first. */
  readonly env: Record<string, string | undefined>;
}

/**
 * `secrets copy --from P --to Q [NAMES...] [--all] [--overwrite] [--dry-run]`:
 * each secret read from P and written to Q, create-only (check-and-set
 * `ifAbsent`) unless `--overwrite`. Values are never printed. Exit 1 when a
 * secret failed, or a secret named on the command line is missing in P.
 */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const overwrite = args.overwrite === true;
  const dryRun = args.dryRun === true;
  const from = openSide(context, String(args.from), parseSideSettings(args.fromSet, "from-set"));
  const to = openSide(context, String(args.to), parseSideSettings(args.toSet, "to-set"));

  await refuseDotenvOnManifest(to.manager, context, "copy");

  const named = ((args.names as ReadonlyArray<string | number> | undefined) ?? []).map(String);
  const explicit = named.length > 0 || args.all === true;
  const names =
    named.length > 0
      ? [...new Set(named)]
      : args.all === true
        ? await from.manager.listSecrets()
        : (await context.manifest()).secrets.map((s) => s.name);

  // A provider that reads the environment before its store (env): here it is the store that is copied.
  await storeOnly(from, names);
  await storeOnly(to, names);

  const { found, failed } = await readAll(from.manager, names);
  const results: CopySecretResult[] = [];
  for (const name of names) {
    const readError = failed.get(name);
    if (readError !== undefined) {
      results.push({ name, outcome: "failed", ...errorSummary(readError) });
      continue;
    }
    const value = found.get(name);
    if (value === undefined) {
      results.push({ name, outcome: "missing" });
      continue;
    }
    results.push(await copyOne(to.manager, name, value, { overwrite, dryRun }));
  }

  const ok = results.every((r) => r.outcome !== "failed" && !(explicit && r.outcome === "missing"));
  const fromName = from.manager.providerName;
  const toName = to.manager.providerName;
  if (context.global.json) {
    context.out.printJson({
      ok,
      from: fromName,
      to: toName,
      dryRun,
      overwrite,
      secrets: results,
      summary: counts(results),
    });
    return ok ? EXIT.OK : EXIT.FAILED;
  }
  const { out } = context;
  if (!out.quiet) {
    for (const line of table(results.map((r) => [r.name, describe(r, out.color)]))) out.info(line);
    out.info(summary(results, fromName, toName, dryRun));
  } else {
    for (const r of results.filter((r) => r.outcome === "failed" || r.outcome === "missing"))
      out.warn(`${r.name}  ${describe(r, out.color)}`);
  }
  return ok ? EXIT.OK : EXIT.FAILED;
}

function openSide(context: CommandContext, provider: string, settings: Record<string, string>): Side {
  const env: Record<string, string | undefined> = { ...context.env, ...settings };
  return { env, manager: context.createManager({ provider, env }) };
}

/** On a provider that reads the environment first, forget the names there, so it reads and writes its store alone. */
async function storeOnly(side: Side, names: readonly string[]): Promise<void> {
  if ((await side.manager.getProvider()).traits?.environmentFirst !== true) return;
  for (const name of names) delete side.env[name];
}

async function copyOne(
  target: SecretManager,
  name: string,
  value: string,
  options: { overwrite: boolean; dryRun: boolean },
): Promise<CopySecretResult> {
  try {
    if (options.dryRun || options.overwrite) {
      const record = await target.getSecretRecord(name);
      const exists = record !== undefined;
      if (options.dryRun)
        return { name, outcome: !exists ? "would-create" : options.overwrite ? "would-overwrite" : "exists" };
      // What is replaced is the value just read: where Q checks writes, one written there meanwhile is kept.
      try {
        await target.setSecret(name, value, await overwriteCheck(target, record));
      } catch (error) {
        if (!isConflict(error)) throw error;
        return {
          name,
          outcome: "failed",
          code: "CONFLICT",
          message: `written in ${target.providerName} by someone else while it was being copied; their value was kept (run the copy again to replace it)`,
        };
      }
      return { name, outcome: exists ? "overwritten" : "created" };
    }
    await target.setSecret(name, value, { ifAbsent: true });
    return { name, outcome: "created" };
  } catch (error) {
    if (isConflict(error)) return { name, outcome: "exists" };
    return { name, outcome: "failed", ...errorSummary(error) };
  }
}

function isConflict(error: unknown): boolean {
  return error instanceof SecretConflictError || (isSecretError(error) && error.code === "CONFLICT");
}

/**
 * The check of an `--overwrite` write on a target with check-and-set: the
 * version read (`ifVersion`), or create-only when there was none, so a value
 * written between the read and the write is not replaced unseen.
 */
async function overwriteCheck(
  target: SecretManager,
  record: { readonly version?: string | undefined } | undefined,
): Promise<{ ifAbsent?: true; ifVersion?: string }> {
  if (!(await target.getCapabilities()).checkAndSet) return {};
  if (record === undefined) return { ifAbsent: true };
  return record.version !== undefined ? { ifVersion: record.version } : {};
}

export function describe(result: CopySecretResult, color: Palette): string {
  switch (result.outcome) {
    case "created":
      return color.green("created");
    case "overwritten":
      return color.yellow("overwritten");
    case "exists":
      return `${color.dim("exists")} (left alone; --overwrite replaces it)`;
    case "missing":
      return color.yellow("missing in the source");
    case "would-create":
      return color.green("would be created");
    case "would-overwrite":
      return color.yellow("would be overwritten");
    case "failed":
      return `${color.red("failed")}${result.code ? ` (${result.code})` : ""}: ${result.message ?? "unknown error"}`;
  }
}

const ORDER: readonly CopyOutcome[] = [
  "created",
  "overwritten",
  "would-create",
  "would-overwrite",
  "exists",
  "missing",
  "failed",
];

function counts(results: readonly CopySecretResult[]): Record<CopyOutcome, number> {
  const out = Object.fromEntries(ORDER.map((o) => [o, 0])) as Record<CopyOutcome, number>;
  for (const r of results) out[r.outcome]++;
  return out;
}

function summary(results: readonly CopySecretResult[], from: string, to: string, dryRun: boolean): string {
  const c = counts(results);
  const parts = ORDER.filter((o) => c[o] > 0).map((o) => `${c[o]} ${o.replace("-", " ")}`);
  const head = dryRun ? `Dry run, nothing written (${from} -> ${to})` : `Copied from ${from} to ${to}`;
  return `${head}: ${parts.join(", ") || "nothing to copy"}`;
}
