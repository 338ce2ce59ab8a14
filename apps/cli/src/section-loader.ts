import {
  closeSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
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

/**
 * Where each section sits, as [bytes from the end of the file, length], written
 * into the start script by the build (see tsup.config.ts). Counted from the end
 * because the sections follow the start script, whose own length includes this
 * index. Empty when built without sections.
 */
declare const __SECRETS_SECTION_INDEX__: Readonly<Record<string, readonly [number, number]>> | undefined;
const SECTION_INDEX: Readonly<Record<string, readonly [number, number]>> =
  typeof __SECRETS_SECTION_INDEX__ === "undefined" ? {} : __SECRETS_SECTION_INDEX__;

/** The bundle's text, read only when a section is not where the index says (see packedSection). */
let bundleText: { file: string; text: string } | undefined;

function textOf(file: string): string {
  if (bundleText?.file !== file) bundleText = { file, text: readFileSync(file, "latin1") };
  return bundleText.text;
}

/**
 * The packed bytes of section `name`: read from where the index puts it, after
 * checking that the bytes there are that section's comment; else (a file changed
 * after the build) found by searching the whole file for its marker.
 */
function packedSection(file: string, name: string): Buffer {
  const marker = `/*@section ${name} `;
  const at = Object.hasOwn(SECTION_INDEX, name) ? SECTION_INDEX[name] : undefined;
  if (at !== undefined) {
    const [fromEnd, length] = at;
    const fd = openSync(file, "r");
    try {
      const position = fstatSync(fd).size - fromEnd;
      const bytes = Buffer.allocUnsafe(length);
      let read = 0;
      while (position >= 0 && read < length) {
        const n = readSync(fd, bytes, read, length - read, position + read);
        if (n === 0) break;
        read += n;
      }
      const text = bytes.toString("latin1", 0, read);
      if (read === length && text.startsWith(marker) && text.endsWith("*/\n"))
        return Buffer.from(text.slice(marker.length, -3), "base64");
    } finally {
      closeSync(fd);
    }
  }
  const text = textOf(file);
  const start = text.lastIndexOf(marker);
  const end = start === -1 ? -1 : text.indexOf("*/", start);
  if (end === -1) throw new Error(`the bundle has no section '${name}'`);
  return Buffer.from(text.slice(start + marker.length, end), "base64");
}

/**
 * Compile and run section `name` of the bundle `file` as a CommonJS module,
 * with `requireFor` as its `require`; its `module.exports`. Throws when the
 * bundle has no such section. `cacheVariant` keeps a code cache of its own for
 * this use of the section (see codeCache).
 */
export function runSection(
  file: string,
  name: string,
  requireFor: SectionRequire,
  cacheVariant?: string | undefined,
): unknown {
  const packed = packedSection(file, name);
  // The build makes every section ASCII (non-ASCII characters escaped), so it decodes
  // byte for byte into a one-byte string, which V8 also scans faster than UTF-16.
  const source = brotliDecompressSync(packed).toString("latin1");
  const filename = `${file}#${name}`;
  const cache = codeCache(cacheVariant === undefined ? name : `${name}.${cacheVariant}`, packed);
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
