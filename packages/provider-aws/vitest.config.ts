import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // The README's example imports this package by name; tests run it against the source.
    alias: {
      "@org/secrets-provider-aws": fileURLToPath(new URL("./src/index.ts", import.meta.url)),
      // The shared test harness (TypeScript, private). Not a devDependency: it depends on this package
      // for its own tests, and a dependency both ways is a cycle in the build graph.
      "@org/secrets-test-support": fileURLToPath(new URL("../test-support/src/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    // A real moto server for the whole run (installed into .tools/ when missing).
    globalSetup: ["test/setup/moto.ts"],
    setupFiles: ["test/setup/env.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
