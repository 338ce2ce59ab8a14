import { createRequire } from "node:module";
import { defineConfig } from "tsup";

// The CLI imports yargs as an ES module, whose platform shim locates files through
// `import.meta.url`, which a CommonJS bundle does not have. Bundle yargs' CommonJS
// build instead, resolved as the CLI package resolves it.
const fromCli = createRequire(createRequire(import.meta.url).resolve("@org/secrets-cli/package.json"));
const yargsCommonJs = fromCli.resolve("yargs");

/**
 * One self-contained CommonJS file, runnable as `node dist/secrets.cjs` with no
 * node_modules: the CLI, core, the initializer, the exporters, every bundled
 * provider and their dependencies (yargs, yaml, the OpenTelemetry API).
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
  banner: { js: "#!/usr/bin/env node" },
  esbuildOptions(options) {
    options.alias = { ...options.alias, yargs: yargsCommonJs };
  },
});
