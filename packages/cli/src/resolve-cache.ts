import { type BigIntStats, realpathSync, statSync } from "node:fs";
import type ModuleClass from "node:module";
import path from "node:path";
import { readCacheFile, writeCacheFile } from "./compile-cache.js";
import { cacheName } from "./module-cache.js";

/*
 * Node resolves each `require` of a package by walking `node_modules`
 * directories, reading `package.json` files and following symbolic links: a
 * Vault `get` makes about 50 resolutions, an AWS `get` (the SDK's packages)
 * more than 100, which took a third of its start-up. The `secrets` executable
 * keeps what its resolutions found, one file per kind of run (see cacheName)
 * in the user's private cache directory, with every path Node's answer depended
 * on and what was there: the `node_modules` directories looked in before the
 * one that held the package (absent, or unchanged: a directory's modification
 * time changes when an entry is added to it or removed), the package's
 * directory and `package.json`, the directories of the requested and of the
 * resolved path, and the resolved file, each by device, inode, size and
 * modification time. An answer is used only when all of them are as they were,
 * so an install, an upgrade, a relinked or edited package resolves afresh.
 * Requests with options (`require.resolve`'s `paths`), the main module and
 * Node's own modules always take Node's path.
 *
 * File layout (JSON): `{ "version": 1, "paths": [...], "checks": [[path,
 * state]], "entries": [[directory, request, file, [checks]]] }`, where
 * `directory`, `file` and a check's `path` are indexes into `paths`, an
 * entry's checks are indexes into `checks`, and a state is what was at the
 * path: `null` for nothing, else its identity (see identity). Each answer
 * keeps its own states: one path may have changed since one answer was kept
 * and not since another.
 */

const FORMAT_VERSION = 1;

/** The most answers a cache file keeps: an AWS `get` makes about 110. */
const MAX_ENTRIES = 2_000;

/** A cache file larger than this is ignored (2,000 answers take about 1 MB). */
const RESOLUTIONS_FILE_LIMIT = 8 * 1024 * 1024;

/** Node's `module`, with the resolver this file stands in front of. */
type ModuleApi = typeof ModuleClass & {
  _resolveFilename: (
    request: string,
    parent: ParentModule | undefined,
    isMain: boolean,
    options?: unknown,
  ) => string;
  _nodeModulePaths: (directory: string) => string[];
};

interface ParentModule {
  readonly filename?: string | null;
  readonly paths?: readonly string[];
}

/** A path an answer depended on, and what was there (see identity). */
interface Check {
  readonly path: string;
  readonly state: string | null;
}

/** One answer: the file, and what it depended on. */
interface Resolution {
  readonly file: string;
  readonly checks: readonly Check[];
}

interface CacheFile {
  readonly version: number;
  readonly paths: readonly string[];
  readonly checks: readonly (readonly [number, string | null])[];
  readonly entries: readonly (readonly [number, string, number, readonly number[]])[];
}

/**
 * Flags (from the command line or NODE_OPTIONS) that change how Node resolves
 * a `require`: with any of them the cache is not used.
 */
const RESOLUTION_FLAGS = [
  "--preserve-symlinks",
  "--conditions",
  "-C",
  "--experimental-policy",
  "--policy-integrity",
  "--experimental-permission",
  "--permission",
  "--experimental-loader",
  "--loader",
];

/**
 * Answers the `require`s of every CommonJS module loaded from now on from the
 * resolution cache of this kind of run, in `directory` (the private
 * `secrets-cli/code-cache` directory, see codeCacheDirectory), and writes what
 * Node resolved afresh there at exit. Does nothing with
 * `NODE_DISABLE_COMPILE_CACHE` (which turns off every start-up cache), under
 * Yarn Plug'n'Play, with flags that change resolution (see RESOLUTION_FLAGS,
 * NODE_PRESERVE_SYMLINKS), or without a directory. Never throws.
 */
export function cacheResolutions(
  argv: readonly string[],
  directory: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): void {
  if (directory === undefined || !resolutionCacheAllowed(env, execArgv)) return;
  const file = path.join(directory, `resolutions.${cacheName(argv, env)}-${process.version}.json`);
  installResolutionCache(process.getBuiltinModule("node:module") as ModuleApi, file);
}

/** Whether Node resolves as the cache assumes: no Plug'n'Play, no flag that changes resolution. */
export function resolutionCacheAllowed(env: NodeJS.ProcessEnv, execArgv: readonly string[]): boolean {
  if (env.NODE_DISABLE_COMPILE_CACHE || env.NODE_PRESERVE_SYMLINKS) return false;
  if ((process.versions as Record<string, string | undefined>).pnp !== undefined) return false;
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/)];
  return !flags.some((flag) => RESOLUTION_FLAGS.some((name) => flag.startsWith(name)));
}

/** Puts the cache file `file` (which need not exist) in front of `Module`'s resolver. */
function installResolutionCache(Module: ModuleApi, file: string): void {
  const original = Module._resolveFilename;
  if (typeof original !== "function" || typeof Module._nodeModulePaths !== "function") return;
  const cached = readCache(file);
  const states = new PathStates();
  const used = new Map<string, Resolution>();
  let missed = false;

  Module._resolveFilename = function resolveFilename(this: unknown, request, parent, isMain, options) {
    const from = parent?.filename;
    if (
      hasOptions(options) ||
      isMain ||
      typeof from !== "string" ||
      typeof request !== "string" ||
      !path.isAbsolute(from) ||
      Module.isBuiltin(request)
    )
      return original.call(this, request, parent, isMain, options);
    const directory = path.dirname(from);
    const key = `${directory}\0${request}`;
    const hit = cached.get(key);
    if (hit !== undefined) {
      if (hit.checks.every((check) => states.get(check.path) === check.state)) {
        used.set(key, hit);
        return hit.file;
      }
      // Out of date: not kept, whatever Node answers now.
      cached.delete(key);
    }
    const resolved = original.call(this, request, parent, isMain, options);
    try {
      const checks = dependencies(Module, states, request, directory, parent?.paths, resolved)?.map((p) => ({
        path: p,
        state: states.get(p),
      }));
      // An answer that depends on a path that could not be looked at is not kept.
      if (checks?.every((check): check is Check => check.state !== undefined)) {
        used.set(key, { file: resolved, checks });
        missed = true;
      }
    } catch {
      // Not kept: the next run resolves it afresh.
    }
    return resolved;
  } as ModuleApi["_resolveFilename"];

  process.once("exit", () => {
    if (!missed) return;
    // The answers this run did not ask for stay (those of other projects' runs, whose
    // working directory differs), after this run's, up to MAX_ENTRIES in all.
    for (const [key, resolution] of cached) {
      if (used.size >= MAX_ENTRIES) break;
      if (!used.has(key)) used.set(key, resolution);
    }
    writeCacheFile(file, () => [Buffer.from(serialize(used), "utf8")]);
  });
}

/**
 * The paths Node's answer `file` for `request` from `directory` depended on,
 * or undefined when it is not one this cache can check (a package found
 * outside the `node_modules` directories of `directory`, or by a self-reference).
 */
function dependencies(
  Module: ModuleApi,
  states: PathStates,
  request: string,
  directory: string,
  parentPaths: readonly string[] | undefined,
  file: string,
): string[] | undefined {
  if (!path.isAbsolute(file)) return undefined;
  if (isPathRequest(request)) return withTarget(states, path.resolve(directory, request), file, []);
  const name = packageName(request);
  if (name === undefined) return undefined;
  const lookup = Module._nodeModulePaths(directory);
  if (parentPaths === undefined || !sameList(parentPaths, lookup)) return undefined;
  const scope = name.startsWith("@") ? name.slice(0, name.indexOf("/")) : undefined;
  const checks: string[] = [];
  for (const modules of lookup) {
    checks.push(modules);
    if (scope !== undefined) checks.push(path.join(modules, scope));
    const root = path.join(modules, name);
    if (states.get(root) === null) continue;
    // The package Node found must be this one: the answer lies inside it.
    const real = realpathSync(root);
    if (!file.startsWith(real + path.sep)) return undefined;
    checks.push(root, path.join(root, "package.json"));
    return withTarget(states, path.join(modules, request), file, checks);
  }
  return undefined;
}

/**
 * `checks` with what Node looked at for the requested path `target` (its
 * directory, the path itself and, for a directory, its `package.json`) and for
 * the answer `file` (its directory, for the extensions and index files Node
 * tries, and the file itself).
 */
function withTarget(states: PathStates, target: string, file: string, checks: string[]): string[] {
  checks.push(path.dirname(target), target);
  if (states.get(target)?.startsWith("d")) checks.push(path.join(target, "package.json"));
  checks.push(path.dirname(file), file);
  return [...new Set(checks)];
}

/**
 * Whether `require.resolve`'s options say anything (`paths`): Node 24 passes
 * an empty object for none.
 */
function hasOptions(options: unknown): boolean {
  if (options === undefined || options === null) return false;
  if (typeof options !== "object") return true;
  return Reflect.ownKeys(options).some((key) => (options as Record<PropertyKey, unknown>)[key] !== undefined);
}

function isPathRequest(request: string): boolean {
  return (
    request === "." ||
    request === ".." ||
    request.startsWith("./") ||
    request.startsWith("../") ||
    path.isAbsolute(request)
  );
}

/**
 * `@scope/name` or `name` of a bare request (`@scope/name/sub`, `name/sub`),
 * or undefined; also for `#name`, which the parent package's `imports` map
 * resolves, not `node_modules`.
 */
function packageName(request: string): string | undefined {
  if (request.startsWith("#")) return undefined;
  const parts = request.split("/");
  const name = request.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  if (name === undefined || name === "" || (request.startsWith("@") && parts.length < 2)) return undefined;
  return name;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/**
 * What was at each path, as this run saw it (see identity; `undefined` when it
 * could not be looked at): each path is looked at once per run.
 */
class PathStates {
  private readonly seen = new Map<string, string | null | undefined>();

  get(file: string): string | null | undefined {
    if (this.seen.has(file)) return this.seen.get(file);
    const state = identity(file);
    this.seen.set(file, state);
    return state;
  }
}

/**
 * A path's identity: `null` when nothing is there, else its kind, device,
 * inode, size and modification time (following symbolic links, as Node does);
 * `undefined` when it cannot be looked at (permissions).
 */
function identity(file: string): string | null | undefined {
  let stat: BigIntStats | undefined;
  try {
    // BigInt: nanosecond times, and kept apart from the array of the last numeric stat, which
    // Node 20's `realpathSync` reads to skip pipes (see process-output.ts).
    stat = statSync(file, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (stat === undefined) return null;
  return `${stat.isDirectory() ? "d" : stat.isFile() ? "f" : "o"}${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}`;
}

/** The cache file's answers, by `directory\0request`; empty when it is missing, too large or not valid. */
function readCache(file: string): Map<string, Resolution> {
  const entries = new Map<string, Resolution>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readCacheFile(file, RESOLUTIONS_FILE_LIMIT)?.toString("utf8") ?? "");
  } catch {
    return entries;
  }
  if (!isCacheFile(parsed)) return entries;
  const { paths } = parsed;
  const checks = parsed.checks.map(([at, state]): Check => ({ path: paths[at] as string, state }));
  for (const [directory, request, resolved, indexes] of parsed.entries)
    entries.set(`${paths[directory]}\0${request}`, {
      file: paths[resolved] as string,
      checks: indexes.map((i) => checks[i] as Check),
    });
  return entries;
}

/** Whether `value` is a cache file of this version whose every index points where it should. */
function isCacheFile(value: unknown): value is CacheFile {
  if (typeof value !== "object" || value === null) return false;
  const { version, paths, checks, entries } = value as Partial<CacheFile>;
  if (
    version !== FORMAT_VERSION ||
    !Array.isArray(paths) ||
    !Array.isArray(checks) ||
    !Array.isArray(entries)
  )
    return false;
  const within = (length: number) => (i: unknown) =>
    Number.isInteger(i) && (i as number) >= 0 && (i as number) < length;
  const path = within(paths.length);
  const check = within(checks.length);
  return (
    paths.every((p) => typeof p === "string") &&
    checks.every(
      (c) => Array.isArray(c) && c.length === 2 && path(c[0]) && (c[1] === null || typeof c[1] === "string"),
    ) &&
    entries.every(
      (entry) =>
        Array.isArray(entry) &&
        entry.length === 4 &&
        path(entry[0]) &&
        typeof entry[1] === "string" &&
        path(entry[2]) &&
        Array.isArray(entry[3]) &&
        entry[3].every(check),
    )
  );
}

/** The answers this run used or found, with what they depend on. */
function serialize(used: Map<string, Resolution>): string {
  const paths: string[] = [];
  const pathIndexes = new Map<string, number>();
  const pathIndex = (p: string): number => {
    let i = pathIndexes.get(p);
    if (i === undefined) {
      i = paths.push(p) - 1;
      pathIndexes.set(p, i);
    }
    return i;
  };
  const checks: [number, string | null][] = [];
  const checkIndexes = new Map<string, number>();
  const checkIndex = ({ path: p, state }: Check): number => {
    const key = `${p}\0${state}`;
    let i = checkIndexes.get(key);
    if (i === undefined) {
      i = checks.push([pathIndex(p), state]) - 1;
      checkIndexes.set(key, i);
    }
    return i;
  };
  const entries: [number, string, number, number[]][] = [];
  for (const [key, { file, checks: depends }] of used) {
    const split = key.indexOf("\0");
    entries.push([
      pathIndex(key.slice(0, split)),
      key.slice(split + 1),
      pathIndex(file),
      depends.map(checkIndex),
    ]);
  }
  const cacheFile: CacheFile = { version: FORMAT_VERSION, paths, checks, entries };
  return JSON.stringify(cacheFile);
}
