import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      // The shared test harness is TypeScript consumed from source. It is not a declared
      // devDependency because it depends on this package for its own tests (a cycle turbo refuses).
      "@org/secrets-test-support": fileURLToPath(new URL("../test-support/src/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/openbao.ts"],
    testTimeout: 60_000,
    // Installing OpenBao on a fresh machine and starting extra servers takes a while.
    hookTimeout: 300_000,
  },
});
