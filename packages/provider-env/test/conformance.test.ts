import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runProviderConformance } from "@org/secrets-provider-testkit";
import { afterAll } from "vitest";
import { createEnvProvider, type EnvProvider } from "../src/index.js";

const root = mkdtempSync(path.join(tmpdir(), "provider-env-conformance-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

runProviderConformance({
  name: "env",
  create: ({ logger }) =>
    createEnvProvider({ path: path.join(mkdtempSync(path.join(root, "run-")), ".env"), env: {}, logger }),
  cleanup: async (provider) => {
    rmSync(path.dirname((provider as EnvProvider).path), { recursive: true, force: true });
  },
});
