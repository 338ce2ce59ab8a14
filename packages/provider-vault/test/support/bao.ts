/**
 * A direct HTTP call to OpenBao with a given token (and namespace, CA), for test
 * setup and for checking what the server holds. Servers themselves come from
 * the shared test harness (`startOpenBao`).
 */
import http from "node:http";
import https from "node:https";

/** Vault's JSON as the tests read it, field by field. */
// biome-ignore lint/suspicious/noExplicitAny: tests read Vault's answers field by field.
export type Json = any;

export interface RawRequest {
  addr: string;
  method: string;
  /** Path after `/v1/`, with its query. */
  path: string;
  token?: string | undefined;
  namespace?: string | undefined;
  body?: unknown;
  ca?: Buffer | undefined;
}

/** A direct HTTP call to OpenBao, for test setup and for checking what the server holds. */
export function request(options: RawRequest): Promise<{ status: number; body: Json }> {
  const url = new URL(`/v1/${options.path}`, options.addr);
  const data = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {};
  if (options.token) headers["X-Vault-Token"] = options.token;
  if (options.namespace) headers["X-Vault-Namespace"] = options.namespace;
  if (data !== undefined) {
    headers["Content-Type"] =
      options.method === "PATCH" ? "application/merge-patch+json" : "application/json";
    headers["Content-Length"] = String(Buffer.byteLength(data));
  }
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      { method: options.method, headers, ...(options.ca ? { ca: options.ca } : {}), agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${options.method} ${options.path}`)));
    req.on("error", reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}
