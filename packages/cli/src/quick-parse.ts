import { checkFlagValues, flagValue, flagValueError } from "./flag-values.js";
import { flagWouldTake } from "./option-end.js";
import { COMMANDS, type CommandSpec, GLOBAL_OPTIONS, type ParsedArgs } from "./options.js";

/**
 * The parser for the common case, so most runs never load yargs (which costs
 * more to load than the rest of a `secrets get`). It reads the same command
 * table as the full parser and accepts only command lines it understands
 * exactly: a known command, its positionals (also after `--`), and known options written
 * plainly (`--name value`, `--name=value`, `--flag`, a one-letter alias), each
 * at most once. A flag given a value other than true or false (`--dry-run=yes`)
 * it refuses, as the full parser does. For those it returns what yargs would (a test checks they
 * agree); anything else (help, completion, `run --`, a negated or repeated flag,
 * an unknown option or command, a missing or extra argument) it declines, and
 * the full parser takes the whole command line, with its own messages.
 */
export function parseQuick(argv: readonly string[]): { spec: CommandSpec; args: ParsedArgs } | undefined {
  let spec: CommandSpec | undefined;
  let shape: CommandShape | undefined;
  const positionals: string[] = [];
  const args: Record<string, unknown> = Object.create(null);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") {
      // The end of the options: plain arguments follow (as the full parser reads them, see
      // option-end.ts); not for `run`, whose command line follows.
      const rest = argv.slice(i + 1);
      if (spec === undefined || spec.name === "run" || rest.length === 0) return undefined;
      if (rest.some((arg) => !PLAIN_POSITIONAL.test(arg) || arg.startsWith("-"))) return undefined;
      if (flagWouldTake(argv[i - 1] as string, rest[0] as string)) return undefined;
      positionals.push(...rest);
      break;
    }
    if (!token.startsWith("-")) {
      if (!PLAIN_POSITIONAL.test(token)) return undefined;
      if (spec === undefined) {
        spec = COMMANDS.find((c) => c.name === token);
        shape = spec && commandShape(spec);
        if (shape === undefined) return undefined;
      } else positionals.push(token);
      continue;
    }
    const match = OPTION.exec(token);
    if (match === null) return undefined;
    const [, dashes, name, inline] = match as unknown as [string, string, string, string | undefined];
    // Options of the command itself only after it, as every example and help page writes them.
    const option = (shape?.options ?? GLOBAL_SHAPE).get(dashes === "-" ? `-${name}` : name);
    if (option === undefined || option.name in args) return undefined;
    if (option.type === "boolean") {
      // `--flag=true` and `--flag=false` are left to yargs; any other value is refused, with the
      // full parser's own check, so both say the same (see flag-values.ts).
      if (inline !== undefined) {
        if (flagValue(inline) !== undefined) return undefined;
        checkFlagValues(argv);
        throw flagValueError(option.name, spec?.name);
      }
      // yargs reads `--flag true` / `--flag false` as the flag's value.
      if (/^(?:true|false)$/i.test(argv[i + 1] ?? "")) return undefined;
      setOption(args, option, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === "" || value.startsWith("-")) return undefined;
    setOption(args, option, value);
  }
  if (spec === undefined || shape === undefined) return undefined;
  for (const required of shape.required) if (!(required in args)) return undefined;

  const { positional } = shape;
  if (positional === undefined) {
    if (positionals.length > 0) return undefined;
  } else if (positional.variadic) {
    if (positional.required && positionals.length === 0) return undefined;
    args[positional.name] = positionals;
  } else {
    if (positionals.length !== 1) return undefined;
    args[positional.name] = positionals[0];
  }
  return { spec, args: { ...args, _: [spec.name], $0: "secrets" } };
}

interface OptionShape {
  /** The option's own name (its key in the parsed arguments). */
  readonly name: string;
  readonly type: "string" | "boolean";
  readonly alias: string | undefined;
}

interface CommandShape {
  /** By `name`, and by `-a` for a one-letter alias; the global options included. */
  readonly options: ReadonlyMap<string, OptionShape>;
  /** Options that must be given. */
  readonly required: readonly string[];
  /** The one positional a command may take: `<name>`, `<names..>` or `[names..]`. */
  readonly positional: { name: string; required: boolean; variadic: boolean } | undefined;
}

/** `--name`, `--name=value`, `-a`: a letter, then letters, digits and dashes. */
const OPTION = /^(--?)([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/s;
/** Positionals yargs could read as a number, or as anything but the plain string, are left to it. */
const PLAIN_POSITIONAL = /^(?![+-]?(?:\d|\.\d))[^\s=]+$/u;
/** What an option's spec may say for the quick parser to handle it; anything else goes to yargs. */
const PLAIN_OPTION_KEYS = new Set([
  "type",
  "requiresArg",
  "describe",
  "alias",
  "demandOption",
  "global",
  "group",
]);

function optionShapes(
  options: Readonly<Record<string, unknown>> | undefined,
  into: Map<string, OptionShape>,
  required: string[],
): boolean {
  for (const [name, raw] of Object.entries(options ?? {})) {
    const spec = raw as Record<string, unknown>;
    if (Object.keys(spec).some((key) => !PLAIN_OPTION_KEYS.has(key))) return false;
    if (spec.type !== "string" && spec.type !== "boolean") return false;
    if (spec.type === "string" && spec.requiresArg !== true) return false;
    if (spec.alias !== undefined && (typeof spec.alias !== "string" || spec.alias.length !== 1)) return false;
    if (spec.demandOption === true) required.push(name);
    else if (spec.demandOption !== undefined && spec.demandOption !== false) return false;
    if (into.has(name)) return false;
    const shape: OptionShape = { name, type: spec.type, alias: spec.alias as string | undefined };
    into.set(name, shape);
    if (shape.alias !== undefined) into.set(`-${shape.alias}`, shape);
  }
  return true;
}

const GLOBAL_SHAPE: ReadonlyMap<string, OptionShape> = (() => {
  const map = new Map<string, OptionShape>();
  return optionShapes(GLOBAL_OPTIONS, map, []) ? map : new Map();
})();

const SHAPES = new Map<CommandSpec, CommandShape | undefined>();

/** The command's shape, or `undefined` when it uses anything the quick parser leaves to yargs. */
function commandShape(spec: CommandSpec): CommandShape | undefined {
  if (!SHAPES.has(spec)) SHAPES.set(spec, buildShape(spec));
  return SHAPES.get(spec);
}

function buildShape(spec: CommandSpec): CommandShape | undefined {
  const words = spec.command.split(" ");
  if (words[0] !== spec.name || words.length > 2) return undefined;
  let positional: CommandShape["positional"];
  if (words[1] !== undefined) {
    const match = /^(?:<([A-Za-z][\w-]*)(\.\.)?>|\[([A-Za-z][\w-]*)\.\.\])$/.exec(words[1]);
    if (match === null) return undefined;
    const name = (match[1] ?? match[3]) as string;
    const described = spec.positionals?.[name] as Record<string, unknown> | undefined;
    const keys = Object.keys(described ?? {});
    if (keys.some((key) => key !== "type" && key !== "describe" && key !== "array")) return undefined;
    if (described?.type !== undefined && described.type !== "string") return undefined;
    positional = { name, required: match[1] !== undefined, variadic: match[2] !== undefined || !!match[3] };
  }
  const options = new Map(GLOBAL_SHAPE);
  const required: string[] = [];
  if (!optionShapes(spec.options, options, required)) return undefined;
  return { options, required, positional };
}

/** As yargs sets it: the name, its camelCase form and its alias. */
function setOption(args: Record<string, unknown>, option: OptionShape, value: unknown): void {
  args[option.name] = value;
  const camel = option.name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  if (camel !== option.name) args[camel] = value;
  if (option.alias !== undefined) args[option.alias] = value;
}
