import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants } from "node:zlib";
import type { Plugin } from "esbuild";
import { defineConfig } from "tsup";
import { deferredRequest } from "../../packages/cli/src/deferred-builtins.js";
import { SECTION_LOADER_ID } from "./src/section-loader.js";

const require = createRequire(import.meta.url);
// The CLI imports yargs as an ES module, whose platform shim locates files through
// `import.meta.url`, which a CommonJS bundle does not have. Carry yargs' CommonJS
// build instead, resolved as the CLI package resolves it.
const fromCli = createRequire(require.resolve("@org/secrets-cli/package.json"));
const yargsCommonJs = fromCli.resolve("yargs");
// tsup's own esbuild, for the sections.
const esbuild: typeof import("esbuild") = createRequire(require.resolve("tsup"))("esbuild");

const fromInitializer = createRequire(require.resolve("@org/secrets-initializer/package.json"));

const OUTFILE = "dist/secrets.cjs";
const SECTIONS_MODULE = fileURLToPath(new URL("./src/sections.ts", import.meta.url));
const BOOTSTRAP_MODULE = fileURLToPath(new URL("./src/bootstrap.ts", import.meta.url));

/**
 * Code carried as sections (see src/section-loader.ts) besides the CLI itself:
 * each bundled into CommonJS, sharing the CLI's copy of core, and appended to
 * the file as a base64 comment (Brotli-compressed) that is compiled only when
 * it is used: the Vault and AWS providers with their SDKs, the full
 * command-line parser (help and errors only) and the YAML parser (project
 * manifests, YAML export).
 */
const SECTIONS: Readonly<Record<string, string>> = {
  vault: require.resolve("@org/secrets-provider-vault"),
  aws: require.resolve("@org/secrets-provider-aws"),
  yargs: yargsCommonJs,
  yaml: fromInitializer.resolve("yaml"),
};

/** In the main script, `import("yargs")` and `import("yaml")` load their sections. */
const packagesAsSections: Plugin = {
  name: "packages-as-sections",
  setup(build) {
    build.onResolve({ filter: /^(?:yargs|yaml)$/ }, (args) => ({ path: args.path, namespace: "section" }));
    build.onLoad({ filter: /.*/, namespace: "section" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(SECTIONS_MODULE)}).loadSection(${JSON.stringify(args.path)});`,
      loader: "js",
      resolveDir: path.dirname(SECTIONS_MODULE),
    }));
  },
};

/**
 * A plugin that gives a module a stand-in for what it imports: a request
 * matching `filter`, for which `keyOf(request, importer)` gives a key, is
 * answered by the export `exportOf(key)` of the workspace source file `source`.
 */
function standIns(
  name: string,
  filter: RegExp,
  keyOf: (request: string, importer: string) => string | undefined,
  source: string,
  exportOf: (key: string) => string,
): Plugin {
  return {
    name,
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const key = keyOf(args.path, args.importer);
        return key === undefined ? undefined : { path: key, namespace: name };
      });
      build.onLoad({ filter: /.*/, namespace: name }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(source)})${exportOf(args.path)};`,
        loader: "js",
        resolveDir: path.dirname(source),
      }));
    },
  };
}

/**
 * node-vault loads axios, Node's https (for an axios agent) and debug, which
 * the Vault provider replaces with its own request function and a no-op
 * logger, and its command table, mustache and tv4, which build command methods
 * the provider never calls: in the Vault section they are the provider's
 * stand-ins (see the provider's node-vault.ts), so the section neither carries
 * nor runs them.
 */
const vaultStandIns = path.join(
  path.dirname(require.resolve("@org/secrets-provider-vault")),
  "..",
  "src",
  "node-vault-stand-ins.ts",
);
const nodeVaultStandIns = standIns(
  "node-vault-stand-in",
  /^(?:axios|https|debug|tv4|mustache|\.\/commands\.js)$/,
  (request, importer) => (/[\\/]node-vault[\\/]/.test(importer) ? request : undefined),
  vaultStandIns,
  (key) => `.STAND_INS[${JSON.stringify(key)}]`,
);

/**
 * In the AWS section, the SDK's HTTP handler gets the CLI's stand-in for
 * `http2`, which it loads but a run does not use (see the CLI's
 * deferred-builtins.ts): the real module loads the first time it is used.
 * Not `zlib`: the section carries the ES build of `@smithy/core`, whose
 * `import * as zlib` lists the module's members as it loads, which loads it.
 */
const deferredBuiltins = fileURLToPath(
  new URL("../../packages/cli/src/deferred-builtins.ts", import.meta.url),
);
const deferBuiltinsInSdk = standIns(
  "deferred-builtin",
  /^(?:node:)?http2$/,
  deferredRequest,
  deferredBuiltins,
  (key) => `.deferredBuiltin(${JSON.stringify(key)})`,
);

/**
 * The packages' CommonJS builds load what they load on demand with
 * `__require("name")`, esbuild's stand-in for `require` in code written as an ES
 * module, which a bundler does not follow. In a section, those calls are
 * `require` again, so the section carries what they load (node-vault, the AWS SDK).
 */
const followRequires: Plugin = {
  name: "follow-requires",
  setup(build) {
    build.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/][^\\/]+\.cjs$/ }, (args) => ({
      contents: readFileSync(args.path, "utf8").replace(/\b__require\((?=["'])/g, "require("),
      loader: "js",
    }));
  },
};

const pack = (code: string): string =>
  brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).toString("base64");

/**
 * Turns tsup's output (the CLI, core, exporters, initializer and env provider
 * as one CommonJS script) into the `main` section, behind a small start script
 * (src/bootstrap.ts), and appends the other sections.
 */
/**
 * In the `main` section, the section loader is the start script's own (see
 * src/section-loader.ts), not a second copy.
 */
const sharedSectionLoader: Plugin = {
  name: "shared-section-loader",
  setup(build) {
    build.onResolve({ filter: /^\.\/section-loader\.js$/ }, (args) =>
      args.importer === SECTIONS_MODULE ? { path: SECTION_LOADER_ID, external: true } : undefined,
    );
  },
};

/**
 * Section code as ASCII, so the loader decodes it byte for byte into a one-byte
 * string (see src/section-loader.ts): esbuild's `charset: "ascii"` escapes every
 * non-ASCII character in code (strings, templates, regular expressions, names);
 * what it leaves is in the comments it keeps, where it is written as `\u{…}`
 * text (which cannot end a comment).
 */
async function asciiSection(code: string): Promise<string> {
  const { code: ascii } = await esbuild.transform(code, {
    loader: "js",
    format: "cjs",
    target: "node20",
    charset: "ascii",
    supported: { "dynamic-import": false },
  });
  // Every character left outside ASCII sits in a comment (esbuild escaped the rest).
  return ascii.replace(/[\u0080-\u{10ffff}]/gu, (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`);
}

/** Characters a plain-text section may use as its escape: control characters besides tab and line ends. */
const ESCAPE_CANDIDATES = [...Array(32).keys()]
  .filter((code) => code !== 0 && code !== 9 && code !== 10 && code !== 13)
  .map((code) => String.fromCharCode(code));

/**
 * A section as plain text inside a comment (see src/section-loader.ts), for the
 * sections most commands load: the loader needs no zlib. Comments are dropped
 * and whitespace minified (names kept), and every `*\/` left (in a string, a
 * template or a regular expression) gets an escape character between its two
 * characters, a control character the code does not contain, written first:
 * the loader removes every occurrence of it and has the code byte for byte.
 */
async function textSection(name: string, code: string): Promise<string> {
  const { code: bare } = await esbuild.transform(await asciiSection(code), {
    loader: "js",
    format: "cjs",
    target: "node20",
    charset: "ascii",
    minifyWhitespace: true,
    legalComments: "none",
    supported: { "dynamic-import": false },
  });
  if (/\P{ASCII}/u.test(bare)) throw new Error(`section ${name} is not ASCII`);
  const escapeChar = ESCAPE_CANDIDATES.find((candidate) => !bare.includes(candidate));
  if (escapeChar === undefined)
    throw new Error(`section ${name} uses every control character: no escape is left`);
  return `${escapeChar}${bare.replaceAll("*/", `*${escapeChar}/`)}`;
}

/** Sections kept as plain text: the CLI's, which every command loads, and the Vault provider's (not large). The others are packed. */
const TEXT_SECTIONS = new Set(["main", "vault"]);

async function assembleBundle(): Promise<void> {
  const cli = readFileSync(OUTFILE, "utf8").replace(/^#!.*\n/, "");
  const sections: [string, string][] = [["main", cli]];
  for (const [name, entry] of Object.entries(SECTIONS)) {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "cjs",
      platform: "node",
      target: "node20",
      keepNames: true,
      // Sections are compiled as plain scripts (see src/section-loader.ts), without a loader
      // for `import()`: the few they hold (Node built-ins) become `require`.
      supported: { "dynamic-import": false },
      external: ["@org/secrets-core", "@org/secrets-core/provider"],
      plugins:
        name === "vault"
          ? [followRequires, nodeVaultStandIns]
          : name === "aws"
            ? [followRequires, deferBuiltinsInSdk]
            : [followRequires],
      ...(name === "vault" ? { define: { __SECRETS_NODE_VAULT_BUNDLED__: "true" } } : {}),
      logLevel: "error",
    });
    const code = result.outputFiles[0]?.text;
    if (code === undefined) throw new Error(`section ${name}: no output`);
    sections.push([name, code]);
  }
  const parts: string[] = [];
  for (const [name, code] of sections)
    parts.push(
      TEXT_SECTIONS.has(name)
        ? `/*@text ${name} ${await textSection(name, code)}*/\n`
        : `/*@section ${name} ${pack(await asciiSection(code))}*/\n`,
    );
  // Each section's place, counted from the end of the file (all ASCII: characters are bytes).
  const index: Record<string, [number, number]> = {};
  let fromEnd = 0;
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as string;
    fromEnd += part.length;
    index[(sections[i] as [string, string])[0]] = [fromEnd, part.length];
  }
  const bootstrap = await esbuild.build({
    entryPoints: [BOOTSTRAP_MODULE],
    bundle: true,
    write: false,
    format: "cjs",
    platform: "node",
    target: "node20",
    define: { __SECRETS_SECTION_INDEX__: JSON.stringify(index) },
    logLevel: "error",
  });
  const start = bootstrap.outputFiles[0]?.text;
  if (start === undefined) throw new Error("bootstrap: no output");
  writeFileSync(OUTFILE, [`#!/usr/bin/env node\n${start}`, ...parts].join(""));
  chmodSync(OUTFILE, 0o755);
}

/**
 * One self-contained CommonJS file, runnable as `node dist/secrets.cjs` with no
 * node_modules: the CLI, core, the initializer, the exporters, every bundled
 * provider and their dependencies (yargs, yaml, node-vault, the AWS SDK), all
 * but a small start script as sections.
 */
export default defineConfig({
  entry: { secrets: "src/main.ts" },
  format: ["cjs"],
  outExtension: () => ({ js: ".cjs" }),
  target: "node20",
  platform: "node",
  noExternal: [/.*/],
  splitting: false,
  keepNames: true,
  clean: true,
  minify: false,
  esbuildPlugins: [packagesAsSections, sharedSectionLoader],
  // The CLI's ES build splits its code into chunks that import one another bare
  // (`import "./chunk-X.js"`) only to keep their order; each chunk only defines
  // things, and the package says it has no side effects, so esbuild rightly drops
  // those imports. It would say so once per import, on every build.
  esbuildOptions(options) {
    options.logOverride = { ...options.logOverride, "ignored-bare-import": "silent" };
  },
  // Core in a section runs without Node's ES module loader: it takes a third-party
  // provider with `require` (see core's resolve.ts).
  define: { __SECRETS_CORE_BUNDLED__: "true" },
  onSuccess: assembleBundle,
});
