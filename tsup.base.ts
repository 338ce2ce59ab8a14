import type { Options } from "tsup";

/**
 * In the CommonJS output, `import()` becomes `require()` (esbuild rewrites it
 * when told the target has no dynamic import): a CommonJS build then loads
 * Node's modules and its dependencies without starting Node's ES module
 * loader, and gets their CommonJS builds, as the rest of a CommonJS program
 * does. Only for code whose every `import()` names a package or a Node module:
 * core keeps its own (it imports providers by file URL).
 */
export const requireInCommonJs: NonNullable<Options["esbuildOptions"]> = (options, context) => {
  if (context.format === "cjs") options.supported = { ...options.supported, "dynamic-import": false };
};

/**
 * The one build configuration every package shares: ESM and CJS, each with
 * its own declaration file, Node 20 syntax, no bundled dependencies, and in
 * the CommonJS build `require()` for `import()` (see requireInCommonJs).
 */
export function packageBuild(entry: Record<string, string>, extra: Options = {}): Options {
  return {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    splitting: false,
    treeshake: true,
    keepNames: true,
    shims: false,
    esbuildOptions: requireInCommonJs,
    ...extra,
  };
}
