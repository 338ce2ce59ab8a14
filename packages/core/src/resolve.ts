import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseCoreConfig } from "./config.js";
import { describeConfigValue } from "./config-value.js";
import type { ProviderContext, ProviderModule, SecretProvider } from "./contract.js";
import { ProviderInvalidError, ProviderNotInstalledError, SecretConfigError, SecretError } from "./errors.js";
import { silentLogger } from "./logger.js";
import { checkProviderShape } from "./manager.js";
import { sanitizeError, wrapError } from "./provider-error.js";

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
  /** Short names and their packages (default `BUILTIN_PROVIDERS`). */
  builtins?: Readonly<Record<string, string>>;
}

/**
 * An npm package name (optionally scoped) and an optional subpath. No segment
 * may start with a dot (so no `.` or `..`), and there is no room for `%`, `\\`,
 * `:` or whitespace: nothing URL-ish, percent-encoded or able to climb out of
 * the package directory.
 */
const PACKAGE_SPEC =
  /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$/;
const MAX_PACKAGE_SPEC = 214;

export type ProviderSpecKind = "builtin" | "package" | "path";

/**
 * What a `SECRET_PROVIDER` value is: a short builtin name, an npm package name
 * (scope, name, optional subpath without `.` / `..` segments), or an explicit
 * path starting with `./`, `../` or `/` (a path runs that file). Anything else
 * is a `SecretConfigError`, before anything is loaded.
 */
export function classifyProviderSpec(
  spec: string,
  builtins: Readonly<Record<string, string>> = BUILTIN_PROVIDERS,
): ProviderSpecKind {
  const name = typeof spec === "string" ? spec.trim() : "";
  if (name !== "" && Object.hasOwn(builtins, name.toLowerCase())) return "builtin";
  if (name.startsWith("./") || name.startsWith("../") || name.startsWith("/")) return "path";
  if (name.length <= MAX_PACKAGE_SPEC && PACKAGE_SPEC.test(name)) return "package";
  throw new SecretConfigError(
    `Invalid SECRET_PROVIDER ${describeConfigValue("SECRET_PROVIDER", spec)}: use env, vault, aws, a provider package name (such as @acme/secrets-provider-foo), or a path starting with ./, ../ or /`,
    { field: "SECRET_PROVIDER" },
  );
}

/**
 * Resolve `SECRET_PROVIDER`-style names into a provider: `env`, `vault`, `aws`,
 * a package specifier (`@acme/secrets-provider-foo`) resolved from the project
 * directory (`cwd`) as the project itself would import it, or a relative /
 * absolute path to a module. A host that carries providers itself (the CLI)
 * passes `loaders` instead. The module must export
 * `createProvider(context)`; what it returns is checked against the contract.
 */
export async function resolveProvider(
  spec: string,
  options: ResolveProviderOptions = {},
): Promise<SecretProvider> {
  const context: ProviderContext = {
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    logger: options.logger ?? silentLogger,
    timeoutMs: options.timeoutMs ?? parseCoreConfig(options.env ?? process.env).config.timeoutMs,
  };
  const builtins = options.builtins ?? BUILTIN_PROVIDERS;
  const kind = classifyProviderSpec(spec, builtins);
  const name = spec.trim();
  const builtin = kind === "builtin" ? builtins[name.toLowerCase()] : undefined;
  const packageName = builtin ?? name;
  const isPath = kind === "path";

  const loaders = options.loaders ?? {};
  const loaderKey = [name.toLowerCase(), packageName].find((key) => Object.hasOwn(loaders, key));
  const loader = loaderKey === undefined ? undefined : loaders[loaderKey];
  let mod: unknown;
  if (loader) {
    mod = await loader();
  } else if (isPath) {
    const file = path.resolve(context.cwd, name);
    try {
      mod = await import(pathToFileURL(file).href);
    } catch (error) {
      throw new ProviderNotInstalledError(
        name,
        file,
        `Secret provider module ${file} could not be loaded`,
        sanitizeError(error),
      );
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
    if (error instanceof SecretError) throw wrapError(error, name, "start");
    const cause = sanitizeError(error);
    throw new ProviderInvalidError(name, `createProvider() failed: ${cause.message}`, cause);
  }
  checkProviderShape(provider, name);
  return provider;
}

/**
 * Whether this copy of core is the ESM build. A provider must be loaded in the
 * same module format as the core that loads it: its peer dependency on core
 * then resolves to this very copy, and `instanceof SecretError` holds.
 */
const ESM_HOST = typeof __SECRETS_CORE_FORMAT__ === "undefined" || __SECRETS_CORE_FORMAT__ === "esm";

/** Replaced by the build with the output format (`esm` or `cjs`); undefined when run from source. */
declare const __SECRETS_CORE_FORMAT__: string | undefined;

/** Import a package as the user's project sees it: resolved from the project directory. */
async function importPackage(packageName: string, cwd: string, label: string): Promise<unknown> {
  const require = createRequire(path.join(cwd, "package.json"));
  let resolved: string | undefined;
  try {
    resolved = ESM_HOST ? resolveImportEntry(packageName, require) : require.resolve(packageName);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code !== "MODULE_NOT_FOUND" && code !== "ERR_PACKAGE_PATH_NOT_EXPORTED")
      throw new ProviderInvalidError(
        label,
        `${packageName} could not be resolved (${describeCode(code)})`,
        sanitizeError(error),
      );
  }
  if (resolved === undefined) throw new ProviderNotInstalledError(label, packageName);
  try {
    return await import(pathToFileURL(resolved).href);
  } catch (error) {
    const cause = sanitizeError(error);
    throw new ProviderInvalidError(label, `${packageName} could not be loaded: ${cause.message}`, cause);
  }
}

/**
 * The file an `import` of `packageName` from the project would load: the
 * package's `exports["."]` under the `import` / `node` / `default` conditions,
 * else `module` or `main`. (`require.resolve` would pick the CommonJS entry.)
 */
function resolveImportEntry(packageName: string, require: NodeJS.Require): string | undefined {
  for (const dir of require.resolve.paths(packageName) ?? []) {
    const root = path.join(dir, packageName);
    let manifest: { exports?: unknown; module?: unknown; main?: unknown };
    try {
      manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    } catch {
      continue;
    }
    const entry =
      pickExport(manifest.exports) ?? stringOr(manifest.module) ?? stringOr(manifest.main) ?? "index.js";
    return path.join(root, entry);
  }
  return undefined;
}

const CONDITIONS = ["import", "node", "default"];

function pickExport(exports: unknown): string | undefined {
  if (typeof exports === "string") return exports;
  if (Array.isArray(exports)) {
    for (const item of exports) {
      const found = pickExport(item);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof exports !== "object" || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  if (Object.keys(map).some((key) => key.startsWith("."))) return pickExport(map["."]);
  for (const condition of CONDITIONS) if (condition in map) return pickExport(map[condition]);
  return undefined;
}

function describeCode(code: unknown): string {
  return typeof code === "string" && /^[A-Z0-9_]{1,64}$/.test(code) ? code : "unknown error";
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
