import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/openbao.ts"],
    testTimeout: 60_000,
    // Installing OpenBao on a fresh machine and starting extra servers takes a while.
    hookTimeout: 300_000,
  },
});
