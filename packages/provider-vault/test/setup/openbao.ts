/**
 * vitest global setup: one real OpenBao dev server for every test file.
 * Tests read its address and root token with `inject("vaultAddr")` /
 * `inject("vaultToken")`, and the `bao` binary with `inject("baoPath")`.
 * When OpenBao cannot be installed or started, setup throws and the run fails.
 */
import type { TestProject } from "vitest/node";
import { ensureBao, startBao } from "../support/bao.js";

declare module "vitest" {
  export interface ProvidedContext {
    vaultAddr: string;
    vaultToken: string;
    baoPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bao = await ensureBao();
  const server = await startBao({ bao });
  project.provide("vaultAddr", server.addr);
  project.provide("vaultToken", server.token);
  project.provide("baoPath", bao);
  return async () => {
    await server.stop();
  };
}
