import { assertValidSecretName } from "@org/secrets-core/provider";
import { assertExportFormat } from "@org/secrets-exporters";
import { COMMANDS, type CommandName, GLOBAL_OPTIONS, type ParsedArgs } from "./options.js";
import { parseNameList } from "./secret-names.js";
import { parseSideSettings } from "./side-config.js";
import { UsageError } from "./usage-error.js";

/** Why `secrets set NAME VALUE` is refused; printed as the error. */
export const SET_VALUE_REFUSED =
  'secrets set does not take the value as an argument: it would be saved in your shell history and visible to other users in the process list; pipe it on stdin (printf %s "$VALUE" | secrets set NAME), use --from-file FILE, or run it in a terminal to be prompted';

/**
 * The rules between arguments that yargs cannot express. A plain function of
 * the parsed arguments: throws a `UsageError` (exit 2), an
 * `InvalidSecretNameError` (exit 2) or, for an unknown export format, the
 * exporters' `SecretConfigError` (exit 2) naming the valid formats.
 */
export function checkArguments(command: CommandName, args: ParsedArgs): void {
  const spec = COMMANDS.find((c) => c.name === command);
  if (!spec) throw new UsageError(`Unknown command '${command}'`);

  // A string option given twice arrives as an array; which one was meant is anyone's guess.
  const stringOptions = Object.entries({ ...GLOBAL_OPTIONS, ...spec.options }).filter(
    ([, o]) => o.type === "string" && o.array !== true,
  );
  for (const [option] of stringOptions) {
    const value = args[option];
    if (Array.isArray(value))
      throw new UsageError(`--${option} was given more than once`, { command, field: option });
    if (typeof value === "string" && value.trim() === "")
      throw new UsageError(`--${option} cannot be empty`, { command, field: option });
  }

  if (spec.positionals?.name !== undefined) assertValidSecretName(String(args.name ?? ""));

  switch (command) {
    case "set":
      // Whatever follows the name, with or without `--`, would be a value from the command line.
      if (args._.length > 1) throw new UsageError(SET_VALUE_REFUSED, { command, field: "value" });
      break;
    case "rotate": {
      const names = (args.names as ReadonlyArray<string | number> | undefined) ?? [];
      for (const name of names) assertValidSecretName(String(name));
      break;
    }
    case "export":
      assertExportFormat(args.format);
      break;
    case "run":
      if (args.only !== undefined) parseNameList(args.only, "only", "run");
      break;
    case "copy": {
      const names = (args.names as ReadonlyArray<string | number> | undefined) ?? [];
      for (const name of names) assertValidSecretName(String(name));
      if (names.length > 0 && args.all === true)
        throw new UsageError("Give secret names or --all, not both", { command, field: "all" });
      parseSideSettings(args.fromSet, "from-set");
      parseSideSettings(args.toSet, "to-set");
      break;
    }
    default:
      break;
  }
}
