import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import path from "node:path";

interface NodeModuleApi {
  enableCompileCache?: (directory?: string) => unknown;
  getCompileCacheDir?: () => string | undefined;
}

/**
 * Node's `module` (and below, `os`) taken when needed, not imported: loading
 * `module` also loads parts of the ES module loader, which `secrets --version`
 * does without.
 */
function nodeModule(): NodeModuleApi {
  return process.getBuiltinModule("node:module") as NodeModuleApi;
}

/**
 * Node's on-disk cache of compiled code (`module.enableCompileCache`, Node
 * 22.1 and later; nothing happens on older versions), for the modules a run
 * loads after this call. `NODE_COMPILE_CACHE` (a directory) and
 * `NODE_DISABLE_COMPILE_CACHE=1` are Node's own settings and win. Otherwise the
 * cache lives in the user's cache directory (`$XDG_CACHE_HOME`, else
 * `~/.cache`), never in a shared temporary directory, where another user could
 * plant entries: it is used only when it is a real directory owned by this
 * user that no one else can write to. Never throws.
 */
export function enableCompileCache(
  env: NodeJS.ProcessEnv = process.env,
  enable: ((directory?: string) => unknown) | undefined = nodeModule().enableCompileCache,
): void {
  if (typeof enable !== "function" || env.NODE_DISABLE_COMPILE_CACHE) return;
  // Already on (the `secrets` executable turns it on before it loads `bin.js`): nothing to check again.
  const node = nodeModule();
  if (enable === node.enableCompileCache && node.getCompileCacheDir?.() !== undefined) return;
  try {
    if (env.NODE_COMPILE_CACHE) {
      enable();
      return;
    }
    const directory = privateCacheDirectory("compile-cache", env);
    if (directory !== undefined) enable(directory);
  } catch {
    // A cache is an optimisation: without it everything works, only slower.
  }
}

/**
 * `secrets-cli/<leaf>` in the user's cache directory (`$XDG_CACHE_HOME`, else
 * `~/.cache`; `%LOCALAPPDATA%` on Windows), created level by level with mode
 * 0700, or `undefined` when it is not a real directory owned by this user that
 * no one else can write to: what is read from there is run as code. Throws on
 * file-system errors; callers treat a cache as optional.
 */
export function privateCacheDirectory(
  leaf: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : homeCache(env);
  if (base === undefined) return undefined;
  const directory = path.join(base, "secrets-cli", leaf);
  // Made once, then only looked at: a failed mkdir costs an exception on every run.
  let stat = lstatSync(directory, { throwIfNoEntry: false });
  if (stat === undefined) {
    // Level by level (the cache home's parent must exist): no recursive creation of unknown paths.
    for (const level of [base, path.dirname(directory), directory])
      try {
        mkdirSync(level, { mode: 0o700 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    stat = lstatSync(directory);
  }
  const uid = process.getuid?.();
  if (!stat.isDirectory()) return undefined;
  if (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o022) !== 0)) return undefined;
  return directory;
}

/**
 * The private `secrets-cli/code-cache` directory (see privateCacheDirectory),
 * or undefined when there is none or it cannot be made: caches are optional.
 */
export function codeCacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return privateCacheDirectory("code-cache", env);
  } catch {
    return undefined;
  }
}

function homeCache(env: NodeJS.ProcessEnv): string | undefined {
  if (process.platform === "win32") return env.LOCALAPPDATA || undefined;
  // `os.homedir()` answers `$HOME` when it is set, as here, without loading `node:os`.
  const home = env.HOME || (process.getBuiltinModule("node:os") as typeof import("node:os")).homedir();
  return home ? path.join(home, ".cache") : undefined;
}

/** The most a start-up cache file may hold: a larger one is ignored (and rewritten). */
export const CACHE_FILE_LIMIT = 64 * 1024 * 1024;

/**
 * The bytes of the cache file `file`, or undefined when it is missing, is not
 * a regular file (opened non-blocking: a FIFO in its place does not hang the
 * start) or holds more than `limit` bytes. Never throws.
 */
export function readCacheFile(file: string, limit = CACHE_FILE_LIMIT): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    // BigInt: a numeric stat of a FIFO would stay in the array Node 20's `realpathSync` reads
    // to skip pipes, and the next `require` through a symbolic link would not be resolved.
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isFile() || stat.size > BigInt(limit)) return undefined;
    const bytes = readFileSync(fd);
    return bytes.length > limit ? undefined : bytes;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `contents()` to `target` atomically (a temporary file of mode 0600 in
 * the same directory, renamed over it); a cache file that cannot be written is
 * skipped, the run goes on. Never throws.
 */
export function writeCacheFile(target: string, contents: () => readonly Buffer[]): void {
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    const chunks = contents();
    const fd = openSync(temporary, "wx", 0o600);
    try {
      for (const chunk of chunks)
        for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing more to do
    }
  }
}
