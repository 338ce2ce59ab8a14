/**
 * Provider resolution: `SECRET_PROVIDER` to a built-in, a package or a path, loaded in this
 * build's format.
 */
import { readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseCoreConfig } from "./config.js";
import { describeConfigValue, isSensitiveConfigName } from "./config-value.js";
import type { ProviderContext, ProviderModule, SecretProvider } from "./contract.js";
import { checkProviderShape } from "./contract-check.js";
import { ProviderInvalidError, ProviderNotInstalledError, SecretConfigError, SecretError } from "./errors.js";
import { coreFile, ESM_HOST, loadFile } from "./host-format.js";
import { type Logger, silentLogger } from "./logger.js";
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
  /**
   * The name is a default, not the user's choice (`SECRET_PROVIDER` is unset):
   * when its package is missing, the error says to set `SECRET_PROVIDER`, naming
   * the first-party providers that are installed.
   */
  implicit?: boolean;
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
 * a package specifier (`@acme/secrets-provider-foo`) resolved as the application
 * resolves its own imports — from where this copy of core is installed, then
 * from the main module's directory, then from `cwd` (the first that has it wins,
 * logged at debug) — or a relative / absolute path to a module, resolved
 * against `cwd`. A host that carries providers itself (the CLI) passes
 * `loaders` instead. The module must export `createProvider(context)`; what it
 * returns is checked against the contract.
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
      mod = await loadFile(file, file);
    } catch (error) {
      throw new ProviderNotInstalledError(`Secret provider module ${file} could not be loaded`, {
        provider: name,
        packageName: file,
        cause: sanitizeError(error, sensitiveValues(context.env)),
      });
    }
  } else {
    const label = builtin ? name.toLowerCase() : name;
    try {
      mod = await importPackage(packageName, context.cwd, label, context.logger, context.env);
    } catch (error) {
      if (error instanceof ProviderNotInstalledError && options.implicit === true)
        throw unsetProviderError(label, packageName, builtins, context.cwd);
      throw error;
    }
  }

  const factory = (mod as Partial<ProviderModule> | undefined)?.createProvider;
  if (typeof factory !== "function") {
    throw new ProviderInvalidError(undefined, {
      provider: name,
      reason: `${packageName} does not export a createProvider() function`,
    });
  }
  let provider: unknown;
  try {
    provider = await factory(context);
  } catch (error) {
    const also = sensitiveValues(context.env);
    if (error instanceof SecretError) throw wrapError(error, name, "start", undefined, { values: also });
    const cause = sanitizeError(error, also);
    throw new ProviderInvalidError(undefined, {
      provider: name,
      reason: `createProvider() failed: ${cause.message}`,
      cause,
    });
  }
  checkProviderShape(provider, name);
  return provider;
}

/** Where a package is looked for, in order: the first place that has it wins. */
export type ResolutionOrigin = "core" | "main module" | "working directory";

interface Origin {
  readonly origin: ResolutionOrigin;
  /** A file in the directory to resolve from (what `createRequire` takes). */
  readonly file: string;
}

/**
 * The places an application resolves its own imports from: this copy of core
 * (installed beside the application's providers, or beside a tool's), the main
 * module's directory (`node /srv/app/server.js` run from anywhere), then the
 * working directory. Directories are not repeated.
 */
function resolutionOrigins(cwd: string): Origin[] {
  const candidates: Origin[] = [];
  const core = coreFile();
  if (core !== undefined) candidates.push({ origin: "core", file: core });
  const main = mainFile();
  if (main !== undefined) candidates.push({ origin: "main module", file: main });
  candidates.push({ origin: "working directory", file: path.join(path.resolve(cwd), "package.json") });
  const seen = new Set<string>();
  return candidates.filter(({ file }) => {
    const dir = path.dirname(file);
    if (seen.has(dir)) return false;
    seen.add(dir);
    return true;
  });
}

/**
 * The application's main module, with symlinks resolved as Node resolves them
 * for the entry point: `require.main` when the entry is CommonJS, else the
 * script named on the command line. Undefined for `node -e` and the REPL.
 */
function mainFile(): string | undefined {
  let file: string | undefined;
  try {
    if (typeof require === "function") file = require.main?.filename;
  } catch {
    file = undefined;
  }
  file ??= process.argv[1];
  if (typeof file !== "string" || file === "" || file.startsWith("-")) return undefined;
  const absolute = path.resolve(file);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

/** The file `packageName` resolves to from `origin` (in this build's module format), or undefined. */
function resolveFrom(origin: Origin, packageName: string, label: string): string | undefined {
  const require = createRequire(origin.file);
  try {
    return ESM_HOST ? resolveImportEntry(packageName, require) : require.resolve(packageName);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === "MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED") return undefined;
    throw new ProviderInvalidError(undefined, {
      provider: label,
      reason: `${packageName} could not be resolved (${describeCode(code)})`,
      cause: sanitizeError(error),
    });
  }
}

/** Import a package as the application would: from the first origin that has it (see `resolutionOrigins`). */
async function importPackage(
  packageName: string,
  cwd: string,
  label: string,
  logger: Logger,
  env: ProviderContext["env"],
): Promise<unknown> {
  let resolved: string | undefined;
  let from: Origin | undefined;
  for (const origin of resolutionOrigins(cwd)) {
    resolved = resolveFrom(origin, packageName, label);
    if (resolved !== undefined) {
      from = origin;
      break;
    }
  }
  if (resolved === undefined || from === undefined)
    throw new ProviderNotInstalledError(undefined, { provider: label, packageName });
  logger.debug("secret.provider resolved", {
    provider: label,
    package: packageName,
    from: from.origin,
    directory: path.dirname(from.file),
    file: resolved,
  });
  try {
    return await loadFile(resolved, from.file);
  } catch (error) {
    const cause = sanitizeError(error, sensitiveValues(env));
    throw new ProviderInvalidError(undefined, {
      provider: label,
      reason: `${packageName} could not be loaded: ${cause.message}`,
      cause,
    });
  }
}

/**
 * The default provider's package is missing and `SECRET_PROVIDER` is unset:
 * the fix is usually to set it (to a provider that is installed), not to
 * install the development provider.
 */
function unsetProviderError(
  label: string,
  packageName: string,
  builtins: Readonly<Record<string, string>>,
  cwd: string,
): ProviderNotInstalledError {
  const origins = resolutionOrigins(cwd);
  const installed = Object.keys(builtins).filter((short) => {
    const pkg = builtins[short];
    if (short === label || pkg === undefined) return false;
    try {
      return origins.some((origin) => resolveFrom(origin, pkg, short) !== undefined);
    } catch {
      return false;
    }
  });
  const message =
    installed.length > 0
      ? `SECRET_PROVIDER is not set, and the default provider '${label}' (${packageName}) is not installed: set SECRET_PROVIDER=${installed[0]}${installed.length > 1 ? ` (installed: ${installed.join(", ")})` : ""}`
      : `SECRET_PROVIDER is not set, and the default provider '${label}' is not installed: set SECRET_PROVIDER to your provider (${Object.keys(builtins).join(", ")} or a provider package) and install it, or run npm install ${packageName}`;
  return new ProviderNotInstalledError(message, { provider: label, packageName });
}

/**
 * The file an `import` of `specifier` from the project would load: the
 * package's `exports` entry for the subpath (exact, or a `*` pattern) under the
 * `import` / `node` / `default` conditions; without `exports`, `module` or
 * `main` (or the subpath's file). (`require.resolve` would pick the CommonJS
 * entry.) A package whose `exports` lack the subpath is skipped, as Node would
 * refuse it.
 */
function resolveImportEntry(specifier: string, require: NodeJS.Require): string | undefined {
  const { name, subpath } = splitSpecifier(specifier);
  for (const dir of require.resolve.paths(name) ?? []) {
    const root = path.join(dir, name);
    let manifest: { exports?: unknown; module?: unknown; main?: unknown };
    try {
      manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    } catch {
      continue;
    }
    if (manifest.exports !== undefined && manifest.exports !== null) {
      const entry = exportTarget(manifest.exports, subpath);
      if (entry === undefined) continue;
      return path.join(root, entry);
    }
    if (subpath !== ".") return require.resolve(path.join(root, subpath));
    return path.join(root, stringOr(manifest.module) ?? stringOr(manifest.main) ?? "index.js");
  }
  return undefined;
}

/** `@scope/name/sub/path` into `@scope/name` and `./sub/path` (`.` without a subpath). */
function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split("/");
  const length = specifier.startsWith("@") ? 2 : 1;
  const rest = parts.slice(length);
  return { name: parts.slice(0, length).join("/"), subpath: rest.length === 0 ? "." : `./${rest.join("/")}` };
}

/** The target of `subpath` in a package's `exports`, with a `*` pattern's match substituted. */
function exportTarget(exports: unknown, subpath: string): string | undefined {
  const isMap =
    typeof exports === "object" &&
    exports !== null &&
    !Array.isArray(exports) &&
    Object.keys(exports).some((key) => key.startsWith("."));
  if (!isMap) return subpath === "." ? pickExport(exports) : undefined;
  const map = exports as Record<string, unknown>;
  if (Object.hasOwn(map, subpath)) return pickExport(map[subpath]);
  let best: { key: string; match: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star < 0 || key.indexOf("*", star + 1) >= 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.length < key.length - 1 || !subpath.startsWith(prefix) || !subpath.endsWith(suffix)) continue;
    if (best === undefined || prefix.length > best.key.indexOf("*")) {
      best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  if (best === undefined) return undefined;
  const target = pickExport(map[best.key]);
  return target?.replaceAll("*", best.match);
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
  for (const condition of CONDITIONS) if (Object.hasOwn(map, condition)) return pickExport(map[condition]);
  return undefined;
}

function describeCode(code: unknown): string {
  return typeof code === "string" && /^[A-Z0-9_]{1,64}$/.test(code) ? code : "unknown error";
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** At most this many values of the environment are scrubbed from a failing provider's error. */
const MAX_SENSITIVE_VALUES = 256;

/**
 * The values of the environment's variables whose names suggest a token, a
 * password or a key (`VAULT_TOKEN`, `ACME_API_KEY`): a provider that fails to
 * load or start may quote them before any of them was read through a manager.
 */
function sensitiveValues(env: ProviderContext["env"]): string[] {
  const out: string[] = [];
  try {
    for (const name of Object.keys(env)) {
      if (out.length >= MAX_SENSITIVE_VALUES) break;
      if (!isSensitiveConfigName(name)) continue;
      const value = env[name];
      if (typeof value === "string" && value.trim() !== "") out.push(value);
    }
  } catch {
    // An environment that cannot be read gives nothing more to scrub.
  }
  return out;
}
