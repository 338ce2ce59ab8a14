import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ProviderContext, ProviderModule, SecretProvider } from "./contract.js";
import { ProviderInvalidError, ProviderNotInstalledError, SecretConfigError, SecretError } from "./errors.js";
import { silentLogger } from "./logger.js";
import { checkProviderShape } from "./manager.js";

/** First-party providers by their short names. */
export const BUILTIN_PROVIDERS: Readonly<Record<string, string>> = Object.freeze({
  env: "@org/secrets-provider-env",
  vault: "@org/secrets-provider-vault",
  aws: "@org/secrets-provider-aws",
});

/** Loaders a host (such as a bundled CLI) supplies for modules it already carries. */
export type ProviderLoaders = Readonly<Record<string, () => Promise<unknown>>>;

export interface ResolveProviderOptions extends Partial<ProviderContext> {
  /** Modules to use instead of resolving a package, by short name or package name. */
  loaders?: ProviderLoaders;
}

const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(?:\/[A-Za-z0-9._~-]+)*$/;

/**
 * Resolve `SECRET_PROVIDER`-style names into a provider: `env`, `vault`, `aws`,
 * a package specifier (`@acme/secrets-provider-foo`) resolved from the project
 * directory, or a relative / absolute path to a module. The module must export
 * `createProvider(context)`; what it returns is checked against the contract.
 */
export async function resolveProvider(spec: string, options: ResolveProviderOptions = {}): Promise<SecretProvider> {
  const context: ProviderContext = {
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    logger: options.logger ?? silentLogger,
  };
  const name = spec.trim();
  const builtin = BUILTIN_PROVIDERS[name.toLowerCase()];
  const packageName = builtin ?? name;
  const isPath = name.startsWith(".") || path.isAbsolute(name);
  if (!builtin && !isPath && !PACKAGE_NAME.test(name)) {
    throw new SecretConfigError(
      `Unknown secret provider ${JSON.stringify(name)}: use env, vault, aws, or the name of a provider package`,
      { field: "SECRET_PROVIDER" },
    );
  }

  const loader = options.loaders?.[name.toLowerCase()] ?? options.loaders?.[packageName];
  let mod: unknown;
  if (loader) {
    mod = await loader();
  } else if (isPath) {
    const file = path.resolve(context.cwd, name);
    try {
      mod = await import(pathToFileURL(file).href);
    } catch (error) {
      throw new ProviderNotInstalledError(name, file, `Secret provider module ${file} could not be loaded`, error);
    }
  } else {
    mod = await importPackage(packageName, context.cwd, builtin ? name.toLowerCase() : name);
  }

  const factory = (mod as Partial<ProviderModule> | undefined)?.createProvider;
  if (typeof factory !== "function") {
    throw new ProviderInvalidError(name, `${packageName} does not export a createProvider() function`);
  }
  let provider: unknown;
  try {
    provider = await factory(context);
  } catch (error) {
    if (error instanceof SecretError) throw error;
    throw new ProviderInvalidError(name, `createProvider() failed: ${(error as Error)?.message ?? String(error)}`, error);
  }
  checkProviderShape(provider, name);
  return provider;
}

/** Import a package as the user's project would see it, falling back to this package's own resolution. */
async function importPackage(packageName: string, cwd: string, label: string): Promise<unknown> {
  let resolved: string | undefined;
  try {
    resolved = createRequire(path.join(cwd, "package.json")).resolve(packageName);
  } catch {
    resolved = undefined;
  }
  try {
    return resolved ? await import(pathToFileURL(resolved).href) : await import(packageName);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      const missingItself = String((error as Error).message).includes(packageName);
      if (!resolved && missingItself) throw new ProviderNotInstalledError(label, packageName);
    }
    throw new ProviderInvalidError(label, `${packageName} could not be loaded: ${(error as Error)?.message}`, error);
  }
}
