import type { HealthReport, SecretHealth } from "@org/secrets-initializer";
import type { CommandContext } from "../context.js";
import { type ExitCode, exitCodeForHealth } from "../exit-codes.js";
import { errorSummary, REPORTED } from "../json-error.js";
import type { ParsedArgs } from "../options.js";
import { type Palette, table } from "../output.js";

/** `secrets health [--strict]`: a table (or the JSON report) and the overall status. */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const strict = args.strict === true;
  const { out } = context;
  // A provider that cannot even be loaded or configured is a usage error (exit 2), not a health state;
  // with --json it is still reported as one document: unhealthy, with the error's code and message.
  try {
    await context.manager().getProvider();
  } catch (error) {
    if (context.global.json) out.printJson(unhealthyReport(context, error));
    throw Object.assign(error as object, { [REPORTED]: true });
  }
  const report = await (await context.initializer()).healthCheck();
  const sdkNotice = awsSdkNodeNotice(report, context);
  if (sdkNotice !== undefined) out.warn(sdkNotice);
  if (context.global.json) {
    out.printJson(report);
  } else if (!out.quiet) {
    const { color } = out;
    const rows = [
      ["NAME", "REQUIRED", "STATUS", "ROTATION"].map((h) => color.bold(h)),
      ...report.secrets.map((s) => [s.name, s.required ? "yes" : "no", status(s, color), rotation(s)]),
    ];
    for (const line of table(rows)) out.info(line);
    out.info("");
    for (const secret of report.secrets.filter((s) => s.status === "error"))
      out.info(
        `${secret.name}: ${color.red("error")}${secret.code ? ` (${secret.code})` : ""}: ${secret.message ?? ""}`,
      );
    out.info(providerLine(report, color));
    for (const warning of report.provider.warnings ?? [])
      out.info(`  ${color.yellow("warning")}: ${warning}`);
    out.info(`Status: ${overall(report, color)}`);
  }
  if (report.status === "degraded" && !strict)
    // Counts and fixed words only.
    out.warnOwnWords(`secrets are degraded (${problems(report).join(", ")}); with --strict this exits 3`);
  return exitCodeForHealth(report.status, strict);
}

/** The first Node.js major the AWS SDK will require for releases after January 2027. */
const AWS_SDK_NEXT_NODE_MAJOR = 22;

/**
 * The AWS provider silences the SDK's nine-line Node.js version warning (unless
 * debug logging is on, when the SDK prints it in full); health says it once, in
 * one line, so it is seen where people look at the deployment's state, unless
 * the user turned the SDK's warning off.
 */
function awsSdkNodeNotice(report: HealthReport, context: CommandContext): string | undefined {
  if (report.provider.name !== "aws") return undefined;
  if (context.logger.isLevelEnabled?.("debug") === true) return undefined;
  // Turned off by the user (the SDK's own switch): not even the one line.
  if (context.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED?.trim() === "true") return undefined;
  const version = process.versions.node;
  const major = Number.parseInt(version, 10);
  if (!(major < AWS_SDK_NEXT_NODE_MAJOR)) return undefined;
  return `AWS SDK releases after January 2027 need Node.js ${AWS_SDK_NEXT_NODE_MAJOR} or later; this is Node.js ${major}.x`;
}

function status(secret: SecretHealth, color: Palette): string {
  switch (secret.status) {
    case "ok":
      return color.green("ok");
    case "missing":
      return secret.required ? color.red("missing") : color.yellow("missing");
    case "overdue":
      return color.yellow("overdue");
    case "error":
      return color.red("error");
  }
}

function rotation(secret: SecretHealth): string {
  const r = secret.rotation;
  if (r === undefined) return "-";
  const day = (iso: string | undefined) => (iso === undefined ? "" : iso.slice(0, 10));
  if (r.state === "overdue") return `overdue since ${day(r.dueAt)} (every ${r.period})`;
  if (r.state === "current")
    return r.dueAt === undefined ? `every ${r.period}` : `due ${day(r.dueAt)} (every ${r.period})`;
  return `every ${r.period}, last rotation unknown`;
}

function providerLine(report: HealthReport, color: Palette): string {
  const p = report.provider;
  if (p.ok) return `Provider: ${p.name} ${color.green("ok")} (${p.latencyMs} ms)`;
  return `Provider: ${p.name} ${color.red("failed")}${p.error ? `: ${p.error.message}` : ""}`;
}

function overall(report: HealthReport, color: Palette): string {
  const details = problems(report);
  const suffix = details.length > 0 ? ` (${details.join(", ")})` : "";
  if (report.status === "healthy") return color.green("healthy") + suffix;
  if (report.status === "degraded") return color.yellow("degraded") + suffix;
  return color.red("unhealthy") + suffix;
}

function problems(report: HealthReport): string[] {
  const s = report.summary;
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const out: string[] = [];
  if (!report.provider.ok) out.push("provider failed");
  const warnings = report.provider.warnings?.length ?? 0;
  if (warnings > 0) out.push(plural(warnings, "provider warning", "provider warnings"));
  if (s.missingRequired > 0)
    out.push(plural(s.missingRequired, "required secret missing", "required secrets missing"));
  const optional = s.missing - s.missingRequired;
  if (optional > 0) out.push(plural(optional, "optional secret missing", "optional secrets missing"));
  if (s.error > 0) out.push(plural(s.error, "secret could not be read", "secrets could not be read"));
  if (s.overdue > 0) out.push(plural(s.overdue, "rotation overdue", "rotations overdue"));
  if (s.rotationUnknown > 0)
    out.push(plural(s.rotationUnknown, "rotation date unknown", "rotation dates unknown"));
  return out;
}

/** The report `health --json` prints when the provider cannot be set up at all. */
function unhealthyReport(context: CommandContext, error: unknown): HealthReport {
  return {
    status: "unhealthy",
    checkedAt: new Date().toISOString(),
    manifest: context.global.manifest ?? context.env.SECRETS_MANIFEST ?? "",
    provider: {
      name: context.global.provider ?? context.env.SECRET_PROVIDER ?? "env",
      ok: false,
      latencyMs: 0,
      error: errorSummary(error),
    },
    secrets: [],
    summary: { total: 0, ok: 0, missing: 0, missingRequired: 0, overdue: 0, rotationUnknown: 0, error: 0 },
  };
}
