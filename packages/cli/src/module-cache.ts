import type ModuleClass from "node:module";
import path from "node:path";
import type * as Vm from "node:vm";
import { readCacheFile, writeCacheFile } from "./compile-cache.js";
import { codeCacheVariant } from "./tokens.js";

/*
 * Node 20 has no compile cache (`module.enableCompileCache` came in 22.1), so
 * the `secrets` executable keeps its own there: the CommonJS modules a run
 * loads (the CLI's, core's, the providers' and their dependencies, yargs)
 * are compiled through V8's code cache, kept in one file per kind of run in
 * the user's private cache directory. A run whose modules are all in the file
 * compiles next to nothing and writes nothing; a run that compiled a module the
 * file does not hold (or holds for other code) rewrites it with what it compiled.
 *
 * File layout, one record per module: `[name length, u32 LE][file name,
 * UTF-8][code length, u32 LE][code, UTF-8][data length, u32 LE][V8's data]`.
 * The code is compared in full with the file's (as bytes) before its data is
 * used: V8 itself checks only the code's length.
 */

/** One module as the cache file holds it: its code as UTF-8 bytes, not decoded (see sameCode). */
interface Entry {
  readonly code: Buffer;
  readonly data: Buffer;
}

/**
 * One module as this run compiled it. `code` is the cache file's bytes when
 * they were used: keeping Node's string of the code instead would hold a
 * second copy of every module's source in V8's young generation, which each
 * garbage collection of a start-up copies.
 */
interface Compiled {
  readonly filename: string;
  readonly code: string | Buffer;
  readonly script: Vm.Script;
}

type CompileFunction = (this: ModuleClass, content: string, filename: string, format?: string) => unknown;

/** Node's `module`, with `enableCompileCache` where Node has it (22.1 and later). */
type ModuleApi = typeof ModuleClass & { enableCompileCache?: unknown };

/**
 * Compiles every CommonJS module loaded from now on through the cache file of
 * this kind of run (see cacheName) in `directory` (the private
 * `secrets-cli/code-cache` directory, see codeCacheDirectory), made for this
 * Node version and architecture. Does nothing where Node has its own compile
 * cache (see enableCompileCache), without a directory, with
 * `--enable-source-maps` (Node maps stack traces only for what it compiles
 * itself) or with `NODE_DISABLE_COMPILE_CACHE`. Never throws.
 */
export function cacheCommonJsModules(
  argv: readonly string[],
  directory: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const Module = process.getBuiltinModule("node:module") as ModuleApi;
  if (typeof Module.enableCompileCache === "function" || env.NODE_DISABLE_COMPILE_CACHE) return;
  if (process.sourceMapsEnabled || directory === undefined) return;
  const name = `modules.${cacheName(argv, env)}-${process.version}-${process.arch}.bin`;
  compileThroughCache(Module, path.join(directory, name));
}

/**
 * The kind of run, as the cache file's name: the command's own cache or the
 * shared one (see codeCacheVariant), and the provider, whose modules only its
 * runs load: `get.vault`, `cli.env`. A run that compiles modules its file does
 * not hold rewrites it, so runs of one kind must load the same modules.
 */
export function cacheName(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  let provider = env.SECRET_PROVIDER;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") break;
    if (token === "--provider") provider = argv[++i];
    else if (token.startsWith("--provider=")) provider = token.slice("--provider=".length);
  }
  provider = provider?.trim().toLowerCase() || "env";
  return `${codeCacheVariant(argv) ?? "cli"}.${/^[a-z][a-z0-9-]{0,31}$/.test(provider) ? provider : "other"}`;
}

/** Replaces Node's compilation of CommonJS modules by one through the cache file `file` (which need not exist). */
function compileThroughCache(Module: ModuleApi, file: string): void {
  const prototype = Module.prototype as unknown as { _compile?: CompileFunction };
  const original = prototype._compile;
  if (typeof original !== "function") return;
  const vm = process.getBuiltinModule("node:vm") as typeof Vm;
  const entries = readEntries(file);
  const compiled: Compiled[] = [];
  let missed = false;

  prototype._compile = function compile(content, filename, format) {
    // ES modules and modules that may call `import()` take Node's own path: on Node 20,
    // code compiled from a cache loses what `import()` needs (it throws
    // ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
    if ((format !== "commonjs" && format !== undefined) || content.includes("import("))
      return original.call(this, content, filename, format);
    const found = entries.get(filename);
    const entry = found !== undefined && sameCode(found.code, content) ? found : undefined;
    let script: Vm.Script;
    try {
      script = new vm.Script(Module.wrap(withoutHashbang(content)), {
        filename,
        ...(entry === undefined ? {} : { cachedData: entry.data }),
      });
    } catch (error) {
      // A `.js` file of a package that does not say its kind, which is not CommonJS:
      // Node's own path tells an ES module from a syntax error.
      if (format === undefined) return original.call(this, content, filename, format);
      throw error;
    }
    const used = entry !== undefined && script.cachedDataRejected !== true ? entry : undefined;
    if (used === undefined) missed = true;
    compiled.push({ filename, code: used?.code ?? content, script });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const requireFromFile = Module.createRequire(filename);
    return wrapper.call(this.exports, this.exports, requireFromFile, this, filename, path.dirname(filename));
  };

  // At exit the data also holds the functions this run compiled lazily.
  process.once("exit", () => {
    if (missed) writeCacheFile(file, () => compiled.flatMap(record));
  });
}

/** The records of `file`, by file name; empty when it is missing, unreadable, too large or cut short. */
function readEntries(file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const bytes = readCacheFile(file);
  if (bytes === undefined) return entries;
  let at = 0;
  const next = (): Buffer | undefined => {
    if (at + 4 > bytes.length) return undefined;
    const length = bytes.readUInt32LE(at);
    const end = at + 4 + length;
    if (end > bytes.length) return undefined;
    const slice = bytes.subarray(at + 4, end);
    at = end;
    return slice;
  };
  while (at < bytes.length) {
    const name = next();
    const code = name && next();
    const data = code && next();
    if (data === undefined || name === undefined || code === undefined) return new Map();
    entries.set(name.toString("utf8"), { code, data });
  }
  return entries;
}

/**
 * Whether `bytes` hold `code` in UTF-8. Compared as bytes, and only for the
 * modules the run loads: decoding every record's code into a string up front
 * (hundreds of kilobytes) was two thirds of the time spent reading the file.
 * Code with a lone surrogate has no exact UTF-8 form: it is never taken from
 * the cache.
 */
function sameCode(bytes: Buffer, code: string): boolean {
  if (bytes.length !== Buffer.byteLength(code, "utf8")) return false;
  return (
    (code as string & { isWellFormed(): boolean }).isWellFormed() && bytes.equals(Buffer.from(code, "utf8"))
  );
}

function record({ filename, code, script }: Compiled): Buffer[] {
  return [
    ...withLength(Buffer.from(filename, "utf8")),
    ...withLength(typeof code === "string" ? Buffer.from(code, "utf8") : code),
    ...withLength(script.createCachedData()),
  ];
}

function withLength(bytes: Buffer): Buffer[] {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(bytes.length, 0);
  return [head, bytes];
}

/** A `#!` first line kept as a comment of the same length, so positions in stack traces stay right. */
function withoutHashbang(code: string): string {
  return code.startsWith("#!") ? `//${code.slice(2)}` : code;
}
