import { assertValidSecretName, isCodeLoadingVariable } from "@org/secrets-core/provider";
import { UsageError } from "./usage-error.js";

/**
 * `--only A,B C`: the names, in order, each once. Commas and spaces both
 * separate; every name is checked as core checks names.
 */
export function parseNameList(value: unknown, option: string, command: string): string[] {
  const text = typeof value === "string" ? value : "";
  const names = text.split(/[\s,]+/).filter((name) => name !== "");
  if (names.length === 0)
    throw new UsageError(`--${option} needs at least one secret name`, { command, field: option });
  for (const name of names) assertValidSecretName(name);
  return [...new Set(names)];
}

/** `A`, `A and B`, `A, B and C`, each quoted. */
export function nameList(names: readonly string[]): string {
  const quoted = names.map((name) => `'${name}'`);
  return quoted.length <= 1 ? (quoted[0] ?? "") : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
}

/**
 * What `--all` adds to the declared names: every other name the provider
 * lists, in its order, except those that make a program load code (core's
 * isCodeLoadingVariable: `LD_PRELOAD`, `NODE_OPTIONS`, `PATH`, ...). Whoever
 * can write a secret is not thereby allowed to run code where the secrets are
 * used: such a name is passed on only when declared or named with `--only`,
 * and the ones left out are named in a warning.
 */
export function listedExtras(
  listed: readonly string[],
  declared: readonly string[],
  warn: (message: string) => void,
  toPass: string,
): string[] {
  const known = new Set(declared);
  const extras: string[] = [];
  const held: string[] = [];
  for (const name of new Set(listed))
    if (!known.has(name)) (isCodeLoadingVariable(name) ? held : extras).push(name);
  if (held.length > 0) {
    const one = held.length === 1;
    warn(
      `left out ${nameList(held)}: listed by the provider but not declared in the manifest, and ${one ? "such a variable makes" : "such variables make"} programs load or run code (${toPass})`,
    );
  }
  return extras;
}
