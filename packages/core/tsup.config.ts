import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.base";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  version: string;
};

// The entries share the error classes: split them into a shared chunk so
// `instanceof SecretError` holds for errors from either entry. Each build knows
// its own format, so it loads providers in the same format (see resolve.ts),
// and its own version, the telemetry scope version (see version.ts). The one
// `import()` (see file-import.ts) is an entry too, so that it gets a chunk of
// its own, apart from the code that calls it.
export default defineConfig(
  packageBuild(
    { index: "src/index.ts", provider: "src/provider.ts", "file-import": "src/file-import.ts" },
    {
      splitting: true,
      esbuildOptions(options, context) {
        options.define = {
          ...options.define,
          __SECRETS_CORE_FORMAT__: JSON.stringify(context.format),
          __SECRETS_CORE_VERSION__: JSON.stringify(version),
        };
      },
    },
  ),
);
