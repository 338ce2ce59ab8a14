import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import Module from "node:module";
import path from "node:path";
import { Script } from "node:vm";
import { brotliDecompressSync, crc32 } from "node:zlib";
// The CLI package's own rules for its cache directory, taken from its source: through the
// package's entry, the start script would carry the whole CLI.
import { privateCacheDirectory } from "../../../packages/cli/src/compile-cache.js";

/*
 * The bundle is one file: a small start script, then sections, each a comment
 * `/*@section NAME BASE64*\/` holding Brotli-compressed CommonJS code, which the
 * parser skips at little cost and which is compiled only when used: the CLI
 * itself (`main`), the Vault and AWS providers with their SDKs, the full
 * command-line parser and the YAML parser.
 *
 * A compiled section's code is kept in V8's code cache, in the user's private
 * cache directory (`secrets-cli/code-cache`, see privateCacheDirectory), so
 * the next run that loads it skips most of its compilation, on every Node
 * version. `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as it does Node's own
 * compile cache.
 */

/** What a section's `require` answers; anything else is this bundle's own `require`. */
export type SectionRequire = (id: string) => unknown;

/**
 * The id under which the `main` section gets this very module (see
 * tsup.config.ts): the start script and the CLI share one loader, so the
 * bundle is read and the cache directory checked once per run.
 */
export const SECTION_LOADER_ID = "secrets-bundle:section-loader";

/** The bundle's text, read on first use (sections are found in it by their markers). */
let bundleText: { file: string; text: string } | undefined;

function textOf(file: string): string {
  if (bundleText?.file !== file) bundleText = { file, text: readFileSync(file, "latin1") };
  return bundleText.text;
}

/**
 * Compile and run section `name` of the bundle `file` as a CommonJS module,
 * with `requireFor` as its `require`; its `module.exports`. Throws when the
 * bundle has no such section.
 */
export function runSection(file: string, name: string, requireFor: SectionRequire): unknown {
  const text = textOf(file);
  const marker = `/*@section ${name} `;
  const start = text.lastIndexOf(marker);
  const end = start === -1 ? -1 : text.indexOf("*/", start);
  if (end === -1) throw new Error(`the bundle has no section '${name}'`);
  const packed = Buffer.from(text.slice(start + marker.length, end), "base64");
  const source = brotliDecompressSync(packed).toString("utf8");
  const filename = `${file}#${name}`;
  const cache = codeCache(name, packed);
  // Compiled in the wrapper Node gives a CommonJS module (the build turned
  // each section's `import()` calls into `require`).
  const script = new Script(Module.wrap(source), {
    filename,
    ...(cache?.data ? { cachedData: cache.data } : {}),
  });
  if (cache && (cache.data === undefined || script.cachedDataRejected)) cache.saveAtExit(script);
  const module = new Module(filename) as Module & { filename: string };
  module.filename = file;
  // What Node's own `require` of a module carries besides the call.
  const sectionRequire = Object.assign((id: string) => requireFor(id), {
    resolve: require.resolve,
    cache: require.cache,
    main: require.main,
  });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, sectionRequire, module, file, path.dirname(file));
  return module.exports;
}

interface CodeCache {
  readonly data: Buffer | undefined;
  saveAtExit(script: Script): void;
}

/**
 * The cached code of one section, keyed by the section's contents (length and
 * CRC-32 of the packed bytes), the Node version and the architecture: V8
 * itself checks only the source's length, so a cache must never be found for
 * other code. `undefined` when there is no private cache directory; never throws.
 */
function codeCache(name: string, packed: Buffer): CodeCache | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const directory = codeCacheDirectory();
  if (directory === undefined) return undefined;
  const key = `${name}-${packed.length.toString(16)}-${crc32(packed).toString(16)}`;
  const target = path.join(directory, `${key}-${process.version}-${process.arch}.bin`);
  let data: Buffer | undefined;
  try {
    data = readFileSync(target);
  } catch {
    data = undefined;
  }
  return {
    data,
    saveAtExit(script) {
      // At exit, the cache also holds the functions this run compiled lazily.
      process.once("exit", () => writeQuietly(target, script));
    },
  };
}

/** The private cache directory, checked (and made) once per run; `undefined` when there is none. */
let cacheDirectory: { path: string | undefined } | undefined;

function codeCacheDirectory(): string | undefined {
  if (cacheDirectory === undefined) {
    let found: string | undefined;
    try {
      found = privateCacheDirectory("code-cache");
    } catch {
      found = undefined;
    }
    cacheDirectory = { path: found };
  }
  return cacheDirectory.path;
}

/** Atomically (a private temporary file, renamed over the target); a cache that cannot be written is skipped. */
function writeQuietly(target: string, script: Script): void {
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    const fd = openSync(temporary, "wx", 0o600);
    try {
      for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
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
