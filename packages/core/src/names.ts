/** Secret names: what a valid name is. */
import { InvalidSecretNameError } from "./errors.js";

/** Longest name accepted; every first-party backend takes at least this much. */
export const MAX_SECRET_NAME_LENGTH = 128;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Secret names are portable identifiers: letters, digits and underscores,
 * not starting with a digit. They are valid environment variable names, Vault
 * path segments and AWS secret name parts alike.
 */
export function isValidSecretName(name: unknown): name is string {
  return typeof name === "string" && name.length <= MAX_SECRET_NAME_LENGTH && NAME.test(name);
}

export function assertValidSecretName(name: unknown): asserts name is string {
  if (typeof name !== "string")
    throw new InvalidSecretNameError(undefined, { name, reason: "a name must be a string" });
  if (name.length === 0)
    throw new InvalidSecretNameError(undefined, { name, reason: "a name cannot be empty" });
  if (name.length > MAX_SECRET_NAME_LENGTH)
    throw new InvalidSecretNameError(undefined, {
      name,
      reason: `a name is at most ${MAX_SECRET_NAME_LENGTH} characters`,
    });
  if (!NAME.test(name))
    throw new InvalidSecretNameError(undefined, {
      name,
      reason:
        "use letters, digits and underscores, starting with a letter or underscore (for example DATABASE_URL)",
    });
}

/**
 * Environment variables through which a dynamic loader, a shell or a language
 * runtime loads or runs code, or finds the programs it runs: whoever sets one
 * in a program's environment runs code as that program. Compared in upper
 * case, as Windows reads environment names.
 */
const CODE_LOADING_NAMES: ReadonlySet<string> = new Set([
  // Shells
  "PATH",
  "BASH_ENV",
  "ENV",
  "PROMPT_COMMAND",
  "PS4",
  "SHELLOPTS",
  "BASHOPTS",
  "IFS",
  "ZDOTDIR",
  // Language runtimes
  "NODE_OPTIONS",
  "NODE_PATH",
  "PYTHONPATH",
  "PYTHONHOME",
  "PYTHONSTARTUP",
  "PYTHONWARNINGS",
  "PYTHONBREAKPOINT",
  "PERL5OPT",
  "PERL5LIB",
  "PERLLIB",
  "PERL5DB",
  "RUBYOPT",
  "RUBYLIB",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "CLASSPATH",
  // Programs that other programs start
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_EXEC_PATH",
  "GIT_ASKPASS",
  "SSH_ASKPASS",
  "EDITOR",
  "VISUAL",
  "PAGER",
  "LESSOPEN",
  "LESSCLOSE",
  // The C library: character-set modules and message catalogues it loads
  "GCONV_PATH",
  "GETCONF_DIR",
  "LOCPATH",
  "NLSPATH",
]);

/** Prefixes of such variables: the dynamic loaders' (`LD_PRELOAD`, `DYLD_INSERT_LIBRARIES`) and Git's configuration. */
const CODE_LOADING_PREFIXES = ["LD_", "DYLD_", "GIT_CONFIG_"] as const;

/**
 * Whether the environment variable `name` makes a program load or run code
 * (`LD_PRELOAD`, `NODE_OPTIONS`, `PATH`, `BASH_ENV`, ...): a secret of that
 * name is passed into an environment only when the project asked for it by
 * name, never because a provider listed it.
 */
export function isCodeLoadingVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return CODE_LOADING_NAMES.has(upper) || CODE_LOADING_PREFIXES.some((prefix) => upper.startsWith(prefix));
}
