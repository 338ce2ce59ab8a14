import type { Options, PositionalOptions } from "yargs";
import type { CommandContext } from "./context.js";
import type { ExitCode } from "./exit-codes.js";

/**
 * Every command and option the CLI has, as data. `main.ts` turns it into a
 * yargs parser; `rules.ts` checks what yargs cannot express; command modules
 * are loaded only when their command runs.
 */

export type CommandName =
  | "init"
  | "rotate"
  | "health"
  | "export"
  | "get"
  | "set"
  | "delete"
  | "list"
  | "restore"
  | "run"
  | "copy"
  | "completion";

/** What a command module exports. */
export interface CommandModule {
  run(args: ParsedArgs, context: CommandContext): Promise<ExitCode>;
}

/** Parsed arguments as yargs delivers them: kebab-case and camelCase keys, positionals by name. */
export type ParsedArgs = Readonly<Record<string, unknown>> & { readonly _: ReadonlyArray<string | number> };

export interface CommandSpec {
  readonly name: CommandName;
  /** The yargs command string: name and positionals. */
  readonly command: string;
  /** How usage errors show the command, where it differs from `command`. */
  readonly usage?: string;
  readonly describe: string;
  readonly positionals?: Readonly<Record<string, PositionalOptions>>;
  readonly options?: Readonly<Record<string, Options>>;
  /** `[command line, what it does]`. */
  readonly examples: ReadonlyArray<readonly [string, string]>;
  readonly epilog?: string;
  /**
   * Extra positionals reach the command (in `_`) instead of failing in the
   * parser, whose error would echo them: `set` refuses them itself, without
   * repeating what may be a secret.
   */
  readonly lenientPositionals?: boolean;
  readonly load: () => Promise<CommandModule>;
}

export { GLOBAL_OPTIONS, GLOBAL_OPTIONS_WITH_VALUE } from "./global-options.js";

const dryRun: Options = { type: "boolean", describe: "Show what would change; write nothing" };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "init",
    command: "init",
    describe: "Create every missing secret the manifest declares",
    options: {
      force: { type: "boolean", describe: "Also regenerate secrets that exist (every generatable one)" },
      "dry-run": dryRun,
    },
    examples: [
      ["$0 init", "Generate what is missing; leave existing secrets alone"],
      ["$0 init --dry-run", "Show what init would do"],
      ["$0 init --force", "Regenerate every generatable secret"],
      ["SECRET_PROVIDER=vault $0 init", "Initialize the secrets in Vault"],
    ],
    epilog:
      "A required secret that cannot be generated is reported as missing, with the\ncommand that sets it, and init exits 1.",
    load: () => import("./commands/init.js"),
  },
  {
    name: "rotate",
    command: "rotate [names..]",
    describe: "Replace secrets with newly generated values",
    positionals: {
      names: {
        type: "string",
        array: true,
        describe: "Secrets to rotate (default: every generatable secret that exists)",
      },
    },
    options: { "dry-run": dryRun },
    examples: [
      ["$0 rotate", "Rotate every generatable secret"],
      ["$0 rotate SECRET_KEY JWT_SECRET_KEY", "Rotate two secrets"],
      ["$0 rotate --dry-run", "Show what would be rotated"],
    ],
    load: () => import("./commands/rotate.js"),
  },
  {
    name: "health",
    command: "health",
    describe: "Check the provider and every declared secret",
    options: {
      strict: { type: "boolean", describe: "Exit 3 when degraded instead of 0" },
    },
    examples: [
      ["$0 health", "Show a table of secrets and the overall status"],
      ["$0 health --json", "Print the health report as JSON"],
      ["$0 health --strict", "Fail (exit 3) on missing optional secrets or overdue rotations"],
    ],
    epilog: "Exit 0 healthy, 0 degraded (3 with --strict), 1 unhealthy.",
    load: () => import("./commands/health.js"),
  },
  {
    name: "export",
    command: "export",
    describe: "Print or write secrets as env, json, yaml or shell",
    options: {
      format: {
        type: "string",
        requiresArg: true,
        demandOption: true,
        describe: "Output format: env, json, yaml or shell",
      },
      output: {
        type: "string",
        alias: "o",
        requiresArg: true,
        describe: "Write to this file (atomically, mode 0600), not stdout",
      },
      all: {
        type: "boolean",
        describe: "Add every other secret the provider can list",
      },
      "skip-unreadable": {
        type: "boolean",
        describe: "Export the others when some secrets cannot be read (default: export nothing)",
      },
      "allow-missing": {
        type: "boolean",
        describe: "Export even when a required secret is missing (default: exit 1, export nothing)",
      },
    },
    examples: [
      ["$0 export --format env", "Print the manifest's secrets as a dotenv file"],
      ["$0 export --format env -o prod.env", "Write them to a file only you can read"],
      ["$0 export --format json", "Print them as a JSON object"],
      ['eval "$($0 export --format shell)"', "Load them into the current shell"],
    ],
    epilog:
      "Secrets are exported in manifest order. Missing optional ones are left out.\nWhen a required secret is missing, nothing is written and export exits 1 naming\nit, unless --allow-missing (then a warning names it). When a secret cannot be read, nothing is written and\nexport exits 1 naming it, unless --skip-unreadable.",
    load: () => import("./commands/export.js"),
  },
  {
    name: "get",
    command: "get <name>",
    describe: "Print one secret's value",
    positionals: { name: { type: "string", describe: "Secret name" } },
    options: {
      version: {
        type: "string",
        requiresArg: true,
        describe: "A version id, or 'previous' (providers that keep versions)",
      },
    },
    examples: [
      ["$0 get DATABASE_URL", "Print the value (no newline added unless stdout is a terminal)"],
      ['export SECRET_KEY="$($0 get SECRET_KEY)"', "Use it in a shell"],
      ["$0 get SECRET_KEY --version previous", "Print the value before the last change"],
    ],
    epilog: "Exit 4 when the secret does not exist.",
    load: () => import("./commands/get.js"),
  },
  {
    name: "set",
    // Further arguments are let through (see `lenientPositionals`) only to be refused in rules.ts.
    command: "set <name>",
    lenientPositionals: true,
    usage: "set <name> (the value comes from stdin, --from-file or a prompt)",
    describe: "Store a secret read from stdin, a file, or a hidden prompt",
    positionals: {
      name: { type: "string", describe: "Secret name" },
    },
    options: {
      "from-file": {
        type: "string",
        requiresArg: true,
        describe: "Read the value from this file, byte for byte (at most 1 MiB, or the provider's limit)",
      },
      "allow-empty": { type: "boolean", describe: "Accept an empty value from stdin or --from-file" },
    },
    examples: [
      ['printf %s "$VALUE" | $0 set SMTP_PASSWORD', "From stdin (printf %s adds no newline)"],
      ["$0 set TLS_KEY --from-file key.pem", "Read the value from a file"],
      ["$0 set SMTP_PASSWORD", "On a terminal: type it twice at a hidden prompt"],
    ],
    epilog:
      "The value is stored exactly as given: nothing is trimmed and a trailing newline\nis kept (echo adds one: use printf %s or echo -n). An empty value is refused\nunless --allow-empty; a value over 1 MiB (or the provider's own limit) is refused.",
    load: () => import("./commands/set.js"),
  },
  {
    name: "delete",
    command: "delete <name>",
    describe: "Delete a secret",
    positionals: { name: { type: "string", describe: "Secret name" } },
    options: {
      yes: { type: "boolean", alias: "y", describe: "Do not ask for confirmation on a terminal" },
      permanent: {
        type: "boolean",
        describe: "Delete at once, skipping the provider's recovery window (AWS, Vault KV v2)",
      },
    },
    examples: [
      ["$0 delete SMTP_PASSWORD", "Ask, then delete"],
      ["$0 delete SMTP_PASSWORD --yes", "Delete without asking"],
      ["$0 delete OLD_KEY --permanent --yes", "Delete with no way back"],
    ],
    epilog:
      "Where the provider keeps deleted secrets for a while (AWS Secrets Manager's recovery\nwindow, Vault KV v2 versions), `secrets restore NAME` brings one back unless\n--permanent was given. Exit 4 when the secret does not exist.",
    load: () => import("./commands/delete.js"),
  },
  {
    name: "list",
    command: "list",
    describe: "List secret names (never values)",
    examples: [
      ["$0 list", "One name per line"],
      ["$0 list --json", "A JSON array"],
    ],
    epilog:
      "Providers that can list show every secret they hold; for the others, the\nmanifest's secrets are shown as present or missing.",
    load: () => import("./commands/list.js"),
  },
  {
    name: "restore",
    command: "restore <name>",
    describe: "Cancel a scheduled deletion (providers with a recovery window)",
    positionals: { name: { type: "string", describe: "Secret name" } },
    examples: [["$0 restore SMTP_PASSWORD", "Restore a secret deleted within the recovery window"]],
    load: () => import("./commands/restore.js"),
  },
  {
    name: "run",
    command: "run [command..]",
    usage: "run [--all | --only NAMES] [--allow-missing] [--no-override] -- COMMAND [ARGS...]",
    describe: "Run a command with the secrets in its environment",
    positionals: {
      command: { type: "string", array: true, describe: "The command and its arguments, after --" },
    },
    options: {
      only: {
        type: "string",
        requiresArg: true,
        conflicts: "all",
        describe: "Only these secrets (comma-separated), each required",
      },
      all: { type: "boolean", describe: "Also every other secret the provider lists" },
      "allow-missing": {
        type: "boolean",
        describe: "Start the command even when a required secret is missing",
      },
      override: {
        type: "boolean",
        default: true,
        describe: "Provider values replace variables already set (--no-override keeps them)",
      },
    },
    examples: [
      ["$0 run -- node server.js", "Start the server with the manifest's secrets"],
      ["$0 run --only DATABASE_URL,REDIS_PASSWORD -- ./migrate", "Only two secrets"],
      ["$0 run --no-override -- npm start", "Keep variables the environment already sets"],
    ],
    epilog:
      "The command is started directly (no shell), with standard input, output and error\ninherited; SIGINT, SIGTERM and SIGHUP are passed on to it. Exit: the command's\nexit code, 128+N when it dies of signal N, 127 when it is not found, 126 when it\ncannot be executed (also: a secret holds a NUL byte, or the environment is too\nlarge for the OS), 1 when a required secret is missing (nothing is started).\nProvider values win over the environment unless --no-override; on the env\nprovider the provider's value is the dotenv file's.",
    load: () => import("./commands/run.js"),
  },
  {
    name: "copy",
    command: "copy [names..]",
    usage: "copy --from PROVIDER --to PROVIDER [NAMES...] [--all] [--overwrite] [--dry-run]",
    describe: "Copy secrets from one provider to another",
    positionals: {
      names: { type: "string", array: true, describe: "Secrets to copy (default: the manifest's)" },
    },
    options: {
      from: {
        type: "string",
        requiresArg: true,
        demandOption: true,
        describe: "Source provider (env, vault, aws, a package)",
      },
      to: { type: "string", requiresArg: true, demandOption: true, describe: "Target provider" },
      "from-set": {
        type: "string",
        array: true,
        nargs: 1,
        requiresArg: true,
        describe: "VARIABLE=VALUE for the source side only (not for tokens or passwords)",
      },
      "to-set": {
        type: "string",
        array: true,
        nargs: 1,
        requiresArg: true,
        describe: "VARIABLE=VALUE for the target side only (not for tokens or passwords)",
      },
      all: { type: "boolean", describe: "Every secret the source lists" },
      overwrite: { type: "boolean", describe: "Replace secrets that exist in the target" },
      "dry-run": dryRun,
    },
    examples: [
      ["$0 copy --from env --to vault --all", "Copy every secret of .env to Vault"],
      ["$0 copy --from vault --to aws DATABASE_URL", "Copy one secret, if the target does not have it"],
      [
        "$0 copy --from vault --from-set VAULT_MOUNT_POINT=old --to vault --to-set VAULT_MOUNT_POINT=new --all",
        "Between two mounts",
      ],
      [
        "$0 copy --from env --to env --to-set SECRET_ENV_FILE=.env.copy --all --dry-run",
        "Show what would happen",
      ],
    ],
    epilog:
      "Create-only: a secret the target has is reported 'exists' and left alone, unless\n--overwrite. Values are copied exactly and never printed. Both sides read the\nusual variables; --from-set and --to-set override one for one side. Tokens,\npasswords and keys are refused there: they come from the environment. Exit 1\nwhen any secret failed (or a named one is missing in the source).",
    load: () => import("./commands/copy.js"),
  },
  {
    name: "completion",
    command: "completion [shell]",
    usage: "completion [bash|zsh|fish]",
    describe: "Print a shell completion script (bash, zsh or fish)",
    positionals: {
      shell: {
        type: "string",
        choices: ["bash", "zsh", "fish"],
        describe: "The shell (default: the one $SHELL names)",
      },
    },
    examples: [
      ["$0 completion bash > /etc/bash_completion.d/secrets", "Install for bash"],
      ["source <($0 completion zsh)", "Load into the current zsh (or save it as _secrets in $fpath)"],
      ["$0 completion fish > ~/.config/fish/completions/secrets.fish", "Install for fish"],
    ],
    epilog:
      "Completes commands, options, --format and --provider values, and secret names\nfrom the manifest (--manifest, $SECRETS_MANIFEST, ./secrets.yaml, else the\nbuilt-in list). Completing reads only the manifest: it never contacts a provider.",
    load: () => import("./commands/completion.js"),
  },
];

export const COMMAND_NAMES: ReadonlySet<string> = new Set(COMMANDS.map((c) => c.name));

export const TOP_LEVEL_EPILOG = `Environment:
  SECRET_PROVIDER   env (default), vault, aws, or a provider package
  SECRETS_MANIFEST  manifest file (default: secrets.yaml in the current directory)
  SECRET_ENV_FILE   dotenv file of the env provider (default: .env)
  LOG_LEVEL         debug, info, warn or error (default: error); debug adds stack traces
  LOG_FORMAT        text (default) or json
  NO_COLOR          disables colour (also off when output is not a terminal)

Exit codes:
  0  success; health: healthy, or degraded without --strict
  1  failed: provider error, unhealthy, required secret missing, conflict,
     output that could not be written (a full disk)
  2  usage or input error: arguments, format, name, manifest, provider
  3  health --strict: degraded
  4  not found: get or delete of a missing secret`;
