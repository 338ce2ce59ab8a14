import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import Module from "node:module";
import path from "node:path";
import { Script } from "node:vm";
// The CLI package's own rules for its cache directory, taken from its source: through the
// package's entry, the start script would carry the whole CLI.
import {
  codeCacheDirectory,
  readCacheFile,
  writeCacheFile,
} from "../../../packages/cli/src/compile-cache.js";

/*
 * The bundle is one file: a small start script, then sections, each a comment
 * holding CommonJS code, which the parser skips at little cost and which is
 * compiled only when used: the CLI itself (`main`), the Vault and AWS providers
 * with their SDKs, the full command-line parser and the YAML parser. The CLI's
 * section, loaded by every command, and the Vault provider's are plain text,
 * `/*@text NAME ECODE*\/`, where E is a control character that CODE does not
 * otherwise contain, put into every `*\/` of the code so that none ends the
 * comment: such a section needs neither zlib nor a checksum. The others are
 * Brotli-compressed, `/*@section NAME BASE64*\/`.
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

/** The bundle's text, read only when a section is not where the index says (see findSection). */
let bundleText: { file: string; text: string } | undefined;

function textOf(file: string): string {
  if (bundleText?.file !== file) bundleText = { file, text: readFileSync(file, "latin1") };
  return bundleText.text;
}

/** A section as found in the bundle: its code, plain or packed. */
type FoundSection =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "packed"; readonly bytes: Buffer };

const MARKERS = { text: "/*@text ", packed: "/*@section " } as const;

/** The section `name` from the comment `comment` (the whole `/*@… name …*\/\n`), or undefined when it is not one. */
function parseSection(comment: string, name: string): FoundSection | undefined {
  if (!comment.endsWith("*/\n")) return undefined;
  for (const kind of ["text", "packed"] as const) {
    const marker = `${MARKERS[kind]}${name} `;
    if (!comment.startsWith(marker)) continue;
    const body = comment.slice(marker.length, -3);
    if (kind === "packed") return { kind, bytes: Buffer.from(body, "base64") };
    const escapeChar = body.charAt(0);
    const text = body.slice(1);
    return { kind, text: text.includes(escapeChar) ? text.replaceAll(escapeChar, "") : text };
  }
  return undefined;
}

/**
 * Section `name`: read from where the index puts it, after checking that the
 * bytes there are that section's comment; else (a file changed after the
 * build) found by searching the whole file for its marker.
 */
function findSection(file: string, name: string): FoundSection {
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
      const found = read === length ? parseSection(bytes.toString("latin1", 0, read), name) : undefined;
      if (found !== undefined) return found;
    } finally {
      closeSync(fd);
    }
  }
  const text = textOf(file);
  for (const marker of Object.values(MARKERS)) {
    const start = text.lastIndexOf(`${marker}${name} `);
    const end = start === -1 ? -1 : text.indexOf("*/\n", start);
    const found = end === -1 ? undefined : parseSection(text.slice(start, end + 3), name);
    if (found !== undefined) return found;
  }
  throw new Error(`the bundle has no section '${name}'`);
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
  const found = findSection(file, name);
  const cache = codeCache(cacheVariant === undefined ? name : `${name}.${cacheVariant}`, found);
  // The build makes every section ASCII (non-ASCII characters escaped), so it decodes
  // byte for byte into a one-byte string, which V8 also scans faster than UTF-16.
  const source =
    found.kind === "text"
      ? found.text
      : (cache?.source ?? loadZlib().brotliDecompressSync(found.bytes).toString("latin1"));
  const filename = `${file}#${name}`;
  // Compiled in the wrapper Node gives a CommonJS module (the build turned
  // each section's `import()` calls into `require`).
  const script = new Script(Module.wrap(source), {
    filename,
    ...(cache?.data ? { cachedData: cache.data } : {}),
  });
  if (cache && (cache.data === undefined || script.cachedDataRejected)) cache.saveAtExit(script, source);
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
  /** V8's data, when there is a cache for this very section. */
  readonly data: Buffer | undefined;
  /** A packed section's code, unpacked by the run that wrote the cache (so this run needs no zlib). */
  readonly source: string | undefined;
  saveAtExit(script: Script, source: string): void;
}

/**
 * The cached code of one section, for the Node version and architecture it was
 * made by, and only ever for the very section it was made from: V8 itself
 * checks only the source's length. The cache file starts with a copy of the
 * section as the bundle holds it, compared in full before the rest is used
 * (a memory compare, cheaper than loading zlib for a checksum):
 *
 * - plain text: `[code length, u32 LE][code, latin1][V8's data]`;
 * - packed: `[packed length, u32 LE][packed bytes][code length, u32 LE][code,
 *   latin1][V8's data]`: the unpacked code comes from the cache too, so a
 *   warm run loads no zlib and unpacks nothing.
 *
 * `undefined` when there is no private cache directory; never throws.
 */
function codeCache(name: string, found: FoundSection): CodeCache | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const directory = sectionCacheDirectory();
  if (directory === undefined) return undefined;
  const own = found.kind === "text" ? Buffer.from(found.text, "latin1") : found.bytes;
  const target = path.join(
    directory,
    `${name}-${found.kind}-${own.length.toString(16)}-${process.version}-${process.arch}.bin`,
  );
  let cached: { data: Buffer; source: string | undefined } | undefined;
  try {
    const bytes = readCacheFile(target);
    cached = bytes === undefined ? undefined : cacheContents(bytes, own, found.kind === "packed");
  } catch {
    cached = undefined;
  }
  return {
    data: cached?.data,
    source: cached?.source,
    saveAtExit(script, code) {
      // At exit, the cache also holds the functions this run compiled lazily.
      process.once("exit", () =>
        writeCacheFile(target, () => {
          const compiled = script.createCachedData();
          const head = Buffer.allocUnsafe(4);
          head.writeUInt32LE(own.length, 0);
          if (found.kind === "text") return [head, own, compiled];
          const codeHead = Buffer.allocUnsafe(4);
          codeHead.writeUInt32LE(code.length, 0);
          return [head, own, codeHead, Buffer.from(code, "latin1"), compiled];
        }),
      );
    },
  };
}

/**
 * What the cache file `file` holds for the section `own` (see codeCache): V8's
 * data and, for a packed section, its unpacked code; `undefined` when the file
 * was made for anything else or is cut short.
 */
function cacheContents(
  file: Buffer,
  own: Buffer,
  packed: boolean,
): { data: Buffer; source: string | undefined } | undefined {
  let at = 4 + own.length;
  if (!(file.length > at && file.readUInt32LE(0) === own.length && own.equals(file.subarray(4, at))))
    return undefined;
  let source: string | undefined;
  if (packed) {
    const length = file.readUInt32LE(at);
    at += 4;
    if (file.length <= at + length) return undefined;
    source = file.toString("latin1", at, at + length);
    at += length;
  }
  return { data: file.subarray(at), source };
}

/** zlib, loaded only for a packed section (a provider, the full parser, YAML). */
function loadZlib(): typeof import("node:zlib") {
  return require("node:zlib") as typeof import("node:zlib");
}

/** The private cache directory, checked (and made) once per run; `undefined` when there is none. */
let cacheDirectory: { path: string | undefined } | undefined;

function sectionCacheDirectory(): string | undefined {
  cacheDirectory ??= { path: codeCacheDirectory() };
  return cacheDirectory.path;
}
