import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  version: string;
};

export default defineConfig({
  // What the build injects (see tsup.config.ts), so tests see the same version.
  define: { __SECRETS_CORE_VERSION__: JSON.stringify(version) },
  // The testkit's memory provider is imported from its source and imports core
  // by name: point those names at this source, so tests hold one copy of core.
  resolve: {
    alias: [
      {
        find: /^@org\/secrets-core$/,
        replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)),
      },
      {
        find: /^@org\/secrets-core\/provider$/,
        replacement: fileURLToPath(new URL("./src/provider.ts", import.meta.url)),
      },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
