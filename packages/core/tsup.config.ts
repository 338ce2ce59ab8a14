import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.base";

// Two entries share the error classes: split them into a shared chunk so
// `instanceof SecretError` holds for errors from either entry.
export default defineConfig(
  packageBuild({ index: "src/index.ts", dotenv: "src/dotenv.ts" }, { splitting: true }),
);
