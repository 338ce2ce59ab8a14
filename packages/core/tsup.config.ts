import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.base";

// Two entries share the error classes: split them into a shared chunk so
// `instanceof SecretError` holds for errors from either entry. Each build knows
// its own format, so it loads providers in the same format (see resolve.ts).
export default defineConfig(
  packageBuild(
    { index: "src/index.ts", dotenv: "src/dotenv.ts" },
    {
      splitting: true,
      esbuildOptions(options, context) {
        options.define = { ...options.define, __SECRETS_CORE_FORMAT__: JSON.stringify(context.format) };
      },
    },
  ),
);
