import type { Options } from "yargs";

/*
 * The global options, apart from the command table: `--version` is answered by
 * looking at these alone, without loading any command's code.
 */

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, Options>> = {
  provider: {
    type: "string",
    requiresArg: true,
    describe: "env, vault, aws or a provider package [$SECRET_PROVIDER, else env]",
  },
  manifest: {
    type: "string",
    requiresArg: true,
    describe: "Manifest file [$SECRETS_MANIFEST, else ./secrets.yaml]",
  },
  "dotenv-file": {
    type: "string",
    requiresArg: true,
    describe: "dotenv file of the env provider [$SECRET_ENV_FILE, else .env]",
  },
  json: { type: "boolean", describe: "Print machine-readable JSON" },
  quiet: { type: "boolean", alias: "q", describe: "Print only data, warnings and errors" },
};

/** Global options that take a value, with their aliases: the token after them is not a command. */
export const GLOBAL_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set(
  Object.entries(GLOBAL_OPTIONS)
    .filter(([, spec]) => spec.type === "string")
    .flatMap(([name, spec]) => [name, ...[spec.alias ?? []].flat()])
    .map((name) => (name.length === 1 ? `-${name}` : `--${name}`)),
);
