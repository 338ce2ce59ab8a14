/**
 * vitest global setup: one real moto server for the whole run, from the shared
 * test harness, and a Python that has boto3 (for the interop tests). Tests read
 * them with `inject("motoEndpoint")` / `inject("python")`. When moto cannot be
 * installed or started, setup throws and the run fails: these tests never skip.
 */
import { pythonWithBoto3, startMoto } from "@org/secrets-test-support";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the moto server. */
    motoEndpoint: string;
    /** A Python interpreter that can `import boto3`. */
    python: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const python = await pythonWithBoto3();
  const server = await startMoto();
  project.provide("motoEndpoint", server.url);
  project.provide("python", python);
  return () => server.stop();
}
