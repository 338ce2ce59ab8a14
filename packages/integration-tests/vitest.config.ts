import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Installing OpenBao or moto on a fresh machine takes a while.
    hookTimeout: 600_000,
  },
});
