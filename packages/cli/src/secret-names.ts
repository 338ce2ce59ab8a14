import { assertValidSecretName } from "@org/secrets-core/provider";
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
