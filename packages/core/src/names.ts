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
