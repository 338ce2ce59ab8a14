import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // The README's example imports this package by name; tests run it against the source.
    alias: {
      "@org/secrets-provider-aws": fileURLToPath(new URL("./src/index.ts", import.meta.url)),
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
