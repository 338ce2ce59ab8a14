import type { Options } from "tsup";

/**
 * The one build configuration every package shares: ESM and CJS, each with
 * its own declaration file, Node 20 syntax, no bundled dependencies.
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
    ...extra,
  };
}
