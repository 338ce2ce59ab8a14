import { ProviderError, type SecretManager } from "@org/secrets-core";
import { runChild } from "../child.js";
import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode, exitCodeForChild } from "../exit-codes.js";
import type { ParsedArgs } from "../options.js";
import { oneLine } from "../output.js";
import { listedExtras, nameList, parseNameList } from "../secret-names.js";
import { UsageError } from "../usage-error.js";

export const RUN_USAGE = "run [--all | --only NAMES] [--allow-missing] [--no-override] -- COMMAND [ARGS...]";

/**
 * `secrets run [--all | --only NAMES] [--allow-missing] [--no-override] -- COMMAND [ARGS...]`:
 * start COMMAND (directly, no shell) with the secrets added to its
 * environment, pass SIGINT, SIGTERM and SIGHUP on to it, and end with its exit
 * code (128 + N when it dies of signal N).
 *
 * Which secrets: the manifest's (default), `--only` these, or `--all` (the
 * manifest's and every other the provider lists, except names that make a
 * program load code, such as `LD_PRELOAD` or `NODE_OPTIONS`: see listedExtras). A required one that is
 * missing stops the run before COMMAND starts (exit 1), unless
 * `--allow-missing`; with `--only`, every named secret is required.
 *
 * Precedence: the provider's value replaces a variable already set in the
 * environment; `--no-override` keeps the environment's. The same holds on every
 * provider: on one that reads the environment before its store (the env
 * provider's `environmentFirst` trait), "the provider's value" is the store's
 * (the dotenv file's), so the environment the command inherits is not read
 * back as a secret.
 */
export async function run(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const [file, ...commandArgs] = commandLine(args);
  if (file === undefined || file === "")
    throw new UsageError(`Missing the command to run: usage is secrets ${RUN_USAGE}`, { command: "run" });

  const override = args.override !== false;
  const allowMissing = args.allowMissing === true;
  const providerEnv: Record<string, string | undefined> = { ...context.env };
  const manager = context.createManager({ provider: context.global.provider, env: providerEnv });

  const { names, required } = await selectNames(args, context, manager);
  // A provider that reads the environment before its store (env): here the
  // environment is what the secrets are added to, so it reads its store alone.
  if ((await manager.getProvider()).traits?.environmentFirst === true)
    for (const name of names) delete providerEnv[name];
  const values = names.length === 0 ? new Map<string, string>() : await manager.getSecrets(names);

  const inherited = context.io.env;
  const childEnv: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(inherited)) if (value !== undefined) childEnv[name] = value;
  for (const [name, value] of values) if (override || !Object.hasOwn(childEnv, name)) childEnv[name] = value;

  const missing = required.filter((name) => !Object.hasOwn(childEnv, name));
  if (missing.length > 0) {
    if (!allowMissing)
      throw new ProviderError(
        `Required secret${missing.length > 1 ? "s" : ""} ${nameList(missing)} not found in ${manager.providerName}: the command was not started (pass --allow-missing to start it anyway)`,
        { provider: manager.providerName, ...(missing.length === 1 ? { secret: missing[0] } : {}) },
      );
    context.out.warn(
      `required secret${missing.length > 1 ? "s" : ""} not set (missing): ${missing.join(", ")}`,
    );
  }
  // An environment variable cannot hold a NUL byte: say which secret, never what it holds.
  const unpassable = [...values].filter(([name, value]) => childEnv[name] === value && value.includes("\0"));
  if (unpassable.length > 0) {
    context.out.error(
      `Secret${unpassable.length > 1 ? "s" : ""} ${nameList(unpassable.map(([name]) => name))} ${unpassable.length > 1 ? "hold" : "holds"} a NUL byte, which an environment variable cannot carry: the command was not started`,
      "INVALID_VALUE",
    );
    return EXIT.NOT_EXECUTABLE;
  }
  context.logger.debug("starting command", { secrets: values.size });
  // The provider's connections are not needed while the command runs.
  await context.close();

  const outcome = await runChild(file, commandArgs, childEnv, context.io);
  if (outcome.kind === "exited") return exitCodeForChild(outcome.code, outcome.signal);
  const shown = `'${oneLine(file).slice(0, 200)}'`;
  if (outcome.reason === "not-found") {
    context.out.error(`${shown}: command not found`);
    return EXIT.COMMAND_NOT_FOUND;
  }
  if (outcome.reason === "not-executable") {
    context.out.error(`${shown}: cannot be executed (${outcome.code})`);
    return EXIT.NOT_EXECUTABLE;
  }
  if (outcome.reason === "environment-too-large") {
    const largest = largestSecret(values, childEnv);
    context.out.error(
      `${shown}: cannot be executed: its environment is too large for the operating system (E2BIG)${largest === undefined ? "" : `; the largest secret in it is '${largest}' (pass fewer secrets with --only)`}`,
    );
    return EXIT.NOT_EXECUTABLE;
  }
  context.out.error(`${shown}: could not be started (${outcome.code})`);
  return EXIT.FAILED;
}

/** The command and its arguments: what follows `--` (or the positionals, when `--` was left out). */
function commandLine(args: ParsedArgs): string[] {
  const positional = Array.isArray(args.command) ? args.command : [];
  const rest = args._.slice(1);
  return [...positional, ...rest].map(String);
}

async function selectNames(
  args: ParsedArgs,
  context: CommandContext,
  manager: SecretManager,
): Promise<{ names: string[]; required: string[] }> {
  if (args.only !== undefined) {
    const names = parseNameList(args.only, "only", "run");
    return { names, required: names };
  }
  const manifest = await context.manifest();
  const declared = manifest.secrets.map((s) => s.name);
  const required = manifest.secrets.filter((s) => s.required).map((s) => s.name);
  if (args.all !== true) return { names: declared, required };
  const listed = await manager.listSecrets();
  return {
    names: [
      ...declared,
      ...listedExtras(
        listed,
        declared,
        (message) => context.out.warn(message),
        "declare them or name them with --only to pass them on",
      ),
    ],
    required,
  };
}

/** The name of the largest value passed on (by UTF-8 bytes); never the value. */
function largestSecret(
  values: ReadonlyMap<string, string>,
  childEnv: Readonly<Record<string, string>>,
): string | undefined {
  let largest: string | undefined;
  let size = -1;
  for (const [name, value] of values) {
    if (childEnv[name] !== value) continue;
    const bytes = Buffer.byteLength(value);
    if (bytes > size) [largest, size] = [name, bytes];
  }
  return largest;
}
