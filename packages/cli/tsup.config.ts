import type { Plugin } from "esbuild";
import { defineConfig, type Options } from "tsup";
import { packageBuild, requireInCommonJs } from "../../tsup.base";

/**
 * Leaves `import("./main.js")` (in run.ts) a real import of the `main` file this
 * build also writes, in the same format, instead of inlining it into `bin`.
 */
const mainStaysSeparate: Plugin = {
  name: "main-stays-separate",
  setup(build) {
    // tsup writes its CommonJS output through an ESM build: the extension tells them apart.
    const extension = build.initialOptions.outExtension?.[".js"] ?? ".js";
    build.onResolve({ filter: /^\.\/main\.js$/ }, (args) =>
      args.kind === "dynamic-import" ? { path: `./main${extension}`, external: true } : undefined,
    );
  },
};

/** Leaves the launcher's `import("./bin.js")` a real load of the entry's CommonJS build, `bin.cjs`. */
const binStaysSeparate: Plugin = {
  name: "bin-stays-separate",
  setup(build) {
    build.onResolve({ filter: /^\.\/bin\.js$/ }, (args) =>
      args.kind === "dynamic-import" ? { path: "./bin.cjs", external: true } : undefined,
    );
  },
};

/** Tells `bin.ts` which build it is in. */
const formatDefine: NonNullable<Options["esbuildOptions"]> = (options, context) => {
  requireInCommonJs(options, context);
  options.define = { ...options.define, __SECRETS_CLI_FORMAT__: JSON.stringify(context.format) };
};

export default defineConfig([
  // The library entry: commands are loaded on demand, each in its own chunk.
  // `clean` spares the files the executable's build writes at the same time.
  packageBuild({ index: "src/index.ts" }, { splitting: true, clean: ["!bin.*", "!main.*"] }),
  // The executable as two files, not a dozen chunks: `bin` answers `--version`
  // and loads `main`, which holds the parser and every command (each evaluated
  // only when it runs). Packages not always needed (yargs, the initializer,
  // providers) are imported dynamically (required, in the CommonJS build: see
  // requireInCommonJs), so `get` and `health` load neither the full parser nor
  // a provider they do not use.
  packageBuild(
    { bin: "src/bin.ts", main: "src/main.ts" },
    {
      splitting: false,
      clean: false,
      dts: { entry: { bin: "src/bin.ts" } },
      esbuildPlugins: [mainStaysSeparate],
      esbuildOptions: formatDefine,
    },
  ),
  // The `secrets` executable: CommonJS, so `--version` never starts the ES module
  // loader; it loads `bin.cjs` (the CommonJS build of the entry above) for everything else.
  packageBuild(
    { secrets: "src/launcher.ts" },
    {
      format: ["cjs"],
      clean: false,
      dts: false,
      sourcemap: false,
      esbuildPlugins: [binStaysSeparate],
    },
  ),
]);
