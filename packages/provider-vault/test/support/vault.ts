import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createLogger } from "@org/secrets-core";
import type { Logger } from "@org/secrets-core/provider";
import { inject } from "vitest";

/** Vault's JSON as the tests read it, field by field. */
// biome-ignore lint/suspicious/noExplicitAny: tests read Vault's answers field by field.
export type Json = any;

import { vaultRequest } from "@org/secrets-test-support";

/** The shared OpenBao dev server started by the global setup. */
export function server(): { addr: string; token: string; bao: string } {
  return { addr: inject("vaultAddr"), token: inject("vaultToken"), bao: inject("baoPath") };
}

/** A path segment no other test uses. */
export function unique(label = "t"): string {
  return `${label}-${randomBytes(5).toString("hex")}`;
}

export interface RootCallOptions {
  namespace?: string | undefined;
  /** Statuses that are not failures (2xx always are). */
  allow?: number[];
  addr?: string;
  token?: string;
  ca?: Buffer | undefined;
}

/** A call with the root token, failing the test on an unexpected status. */
export async function root(
  method: string,
  path: string,
  body?: unknown,
  options: RootCallOptions = {},
): Promise<Json> {
  const { addr, token } = server();
  const response = await vaultRequest({
    addr: options.addr ?? addr,
    token: options.token ?? token,
    method,
    path,
    body,
    namespace: options.namespace,
    ca: options.ca,
  });
  if (response.status >= 300 && !(options.allow ?? []).includes(response.status))
    throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as Json;
}

/** A token with `policies`, created by root. */
export async function createToken(
  options: { policies: string[]; ttl?: string; renewable?: boolean; explicitMaxTtl?: string },
  call: RootCallOptions = {},
): Promise<string> {
  const body: Record<string, unknown> = { policies: options.policies, no_default_policy: false };
  if (options.ttl) body.ttl = options.ttl;
  if (options.renewable !== undefined) body.renewable = options.renewable;
  if (options.explicitMaxTtl) body.explicit_max_ttl = options.explicitMaxTtl;
  const created = await root("POST", "auth/token/create", body, call);
  return created.auth.client_token as string;
}

export async function writePolicy(name: string, hcl: string, call: RootCallOptions = {}): Promise<void> {
  await root("PUT", `sys/policies/acl/${name}`, { policy: hcl }, call);
}

/** Run the `bao` CLI against the shared server with the root token. */
export function bao(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  const { addr, token, bao: binary } = server();
  return new Promise((resolve) => {
    execFile(
      binary,
      args,
      {
        env: {
          ...process.env,
          BAO_ADDR: addr,
          VAULT_ADDR: addr,
          BAO_TOKEN: token,
          VAULT_TOKEN: token,
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

/** A debug-level logger that keeps every line. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: "debug", write: (line) => lines.push(line) }), lines };
}

/** Lines of `vault.request` debug logs for `method` on paths containing `fragment`. */
export function requestsIn(lines: readonly string[], method?: string, fragment?: string): string[] {
  return lines.filter(
    (line) =>
      line.includes("vault.request") &&
      (method === undefined || line.includes(`method=${method} `)) &&
      (fragment === undefined || line.includes(fragment)),
  );
}

/** Enable a KV mount of `version` at a new path and return its name. */
export async function enableKv(version: 1 | 2, call: RootCallOptions = {}): Promise<string> {
  const mount = unique(`kv${version}`);
  await root("POST", `sys/mounts/${mount}`, { type: "kv", options: { version: String(version) } }, call);
  return mount;
}
