import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.base";

// Commands are loaded on demand: splitting keeps each in its own chunk, so
// `secrets --version` loads neither the parser, core, nor any command.
export default defineConfig(packageBuild({ index: "src/index.ts", bin: "src/bin.ts" }, { splitting: true }));
