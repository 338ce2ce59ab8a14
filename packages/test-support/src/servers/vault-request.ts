/** Calling Vault/OpenBao directly over HTTP(S), without a client library. */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** One direct call to a Vault/OpenBao server, for test setup and for checking what it holds. */
export interface VaultRequest {
  /** `http(s)://127.0.0.1:<port>` */
  addr: string;
  method: string;
  /** The path after `/v1/`, with its query. */
  path: string;
  token?: string | undefined;
  namespace?: string | undefined;
  body?: unknown;
  /** The PEM of the CA to trust (a `-dev-tls` server's own). */
  ca?: Buffer | undefined;
}

/** A direct HTTP(S) call to Vault/OpenBao; the answer's JSON parsed (or its text, when not JSON). */
export function vaultRequest(options: VaultRequest): Promise<{ status: number; body: unknown }> {
  const { method, body, token, namespace, ca } = options;
  const data = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (token) headers["X-Vault-Token"] = token;
  if (namespace) headers["X-Vault-Namespace"] = namespace;
  if (data !== undefined) {
    headers["Content-Type"] = method === "PATCH" ? "application/merge-patch+json" : "application/json";
    headers["Content-Length"] = String(Buffer.byteLength(data));
  }
  const target = new URL(`/v1/${options.path}`, options.addr);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method, headers, agent: false, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on("error", reject);
    });
    req.setTimeout(10_000, () =>
      req.destroy(new Error(`no answer to ${method} ${options.path} within 10 s`)),
    );
    req.on("error", reject);
    req.end(data);
  });
}
