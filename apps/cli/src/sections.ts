import { readFileSync } from "node:fs";
import Module from "node:module";
import { brotliDecompressSync } from "node:zlib";
import * as core from "@org/secrets-core";
import * as providerKit from "@org/secrets-core/provider";

/*
 * Code the bundle carries but rarely runs (a provider and its SDK) is not part
 * of the script Node compiles at start: the build appends it after the script
 * as a comment, `/*@section NAME BASE64*\/` (Brotli-compressed), which the
 * parser skips at little cost, and `loadSection` compiles it on first use. The file stays one
 * self-contained file; only the start-up parse shrinks.
 */

const loaded = new Map<string, unknown>();

/** The module a section holds, compiled on first use; it shares this bundle's copy of core. */
export function loadSection(name: string): unknown {
  if (loaded.has(name)) return loaded.get(name);
  const file = __filename;
  const text = readFileSync(file, "latin1");
  const marker = `/*@section ${name} `;
  const start = text.lastIndexOf(marker);
  const end = start === -1 ? -1 : text.indexOf("*/", start);
  if (end === -1) throw new Error(`the bundle has no section '${name}'`);
  const packed = Buffer.from(text.slice(start + marker.length, end), "base64");
  const source = brotliDecompressSync(packed).toString("utf8");
  // Compiled as a CommonJS module (as Node compiles the main script), so its
  // `import("node:https")` works; `require` gives it this bundle's core (both entries).
  const module = new Module(`${file}#${name}`) as Module & {
    _compile(source: string, filename: string): void;
  };
  module.filename = file;
  module.require = ((id: string) =>
    id === "@org/secrets-core"
      ? core
      : id === "@org/secrets-core/provider"
        ? providerKit
        : require(id)) as NodeJS.Require;
  module._compile(source, `${file}#${name}`);
  loaded.set(name, module.exports);
  return module.exports;
}
