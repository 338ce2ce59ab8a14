import { defineConfig } from "tsup";

export default defineConfig({
  entry: { secrets: "src/main.ts" },
  format: ["cjs"],
  outExtension: () => ({ js: ".cjs" }),
  target: "node20",
  platform: "node",
  noExternal: [/.*/],
  splitting: false,
  clean: true,
  minify: false,
});
