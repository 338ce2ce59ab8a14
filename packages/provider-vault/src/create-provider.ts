/**
 * The provider module's entry point for `SECRET_PROVIDER=vault`: settings from
 * the environment core passes, warnings to its logger, relative paths from its
 * working directory, and connecting bounded by core's deadline.
 */
import { type ProviderContext, ProviderNotConfiguredError } from "@org/secrets-core/provider";
import { parseVaultConfig } from "./config.js";
import { createVaultProvider, type VaultProvider } from "./provider.js";
import { PROVIDER } from "./request.js";

/**
 * The provider module entry point core calls for `SECRET_PROVIDER=vault`:
 * configuration from `context.env`, warnings to `context.logger`, relative
 * paths from `context.cwd`.
 */
export async function createProvider(context: ProviderContext): Promise<VaultProvider> {
  const { config, warnings, errors, missing } = parseVaultConfig(context.env);
  for (const warning of warnings) context.logger.warn(warning, { provider: PROVIDER });
  if (missing.length > 0) {
    const detail = errors
      .filter((e) => e.field !== undefined && missing.includes(e.field))
      .map((e) => e.message)
      .join("; ");
    throw new ProviderNotConfiguredError(undefined, { provider: PROVIDER, reason: detail, missing });
  }
  if (errors.length > 0) throw errors[0];
  // The deadline core gives every call also bounds connecting (login, mount detection).
  const deadline = (context as { timeoutMs?: unknown }).timeoutMs;
  const connectTimeoutMs =
    typeof deadline === "number" && Number.isFinite(deadline) && deadline > 0 ? deadline : undefined;
  return createVaultProvider({
    ...config,
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    logger: context.logger,
    cwd: context.cwd,
  });
}
