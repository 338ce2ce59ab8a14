/**
 * vitest global setup: one real OpenBao dev server for every test file, from the
 * shared test harness. Tests read its address and root token with
 * `inject("vaultAddr")` / `inject("vaultToken")`, and the `bao` binary with
 * `inject("baoPath")`. When OpenBao cannot be installed or started, setup throws
 * and the run fails.
 */
import { ensureTool, startOpenBao } from "@org/secrets-test-support";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    vaultAddr: string;
    vaultToken: string;
    baoPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bao = await ensureTool("openbao");
  const server = await startOpenBao();
  project.provide("vaultAddr", server.url);
  project.provide("vaultToken", server.token);
  project.provide("baoPath", bao);
  return async () => {
    await server.stop();
  };
}
