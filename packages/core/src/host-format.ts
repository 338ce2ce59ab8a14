import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { importFileUrl } from "./file-import.js";

/*
 * Which module format this copy of core runs as, and how it loads a provider's
 * file accordingly (see resolve.ts, which finds the file).
 */

const BUNDLED = typeof __SECRETS_CORE_BUNDLED__ === "boolean" && __SECRETS_CORE_BUNDLED__;

/**
 * Whether this copy of core is the ESM build. A provider must be loaded in the
 * same module format as the core that loads it: its peer dependency on core
 * then resolves to this very copy, and `instanceof SecretError` holds.
 */
export const ESM_HOST =
  !BUNDLED && (typeof __SECRETS_CORE_FORMAT__ === "undefined" || __SECRETS_CORE_FORMAT__ === "esm");

/** Replaced by the build with the output format (`esm` or `cjs`); undefined when run from source. */
declare const __SECRETS_CORE_FORMAT__: string | undefined;

/**
 * Set by a single-file bundle (the CLI's, see apps/cli) that carries core: its
 * code runs without Node's ES module loader, so it loads providers as a
 * CommonJS core does, and every provider file with `require` (which, from Node
 * 20.19, also loads an ES module without top-level await).
 */
declare const __SECRETS_CORE_BUNDLED__: boolean | undefined;

/**
 * This module's own file, in core's `dist` as every file of core:
 * `import.meta.url` in the ESM build, `__filename` in the CommonJS one.
 */
export function coreFile(): string | undefined {
  try {
    if (!ESM_HOST) return typeof __filename === "string" ? __filename : undefined;
    return fileURLToPath(import.meta.url);
  } catch {
    return undefined;
  }
}

/**
 * The module `file`, loaded as from `from`: with `import()`, except that a
 * CommonJS core takes a CommonJS provider (`.cjs`) with `require`, as the
 * application's own `require` would, so Node's ES module loader is not started
 * for it; and a bundle (see BUNDLED) takes every file with `require`.
 */
export function loadFile(file: string, from: string): Promise<unknown> {
  if (BUNDLED || (!ESM_HOST && file.endsWith(".cjs")))
    return Promise.resolve().then(() => createRequire(from)(file));
  return importFileUrl(pathToFileURL(file).href);
}
