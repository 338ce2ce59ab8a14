/** A real OpenBao dev server for tests, on a free loopback port, optionally over TLS. */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureTool, freePort } from "../tools.js";
import { launch, type RunningServer, stopChild, waitUntil } from "./server-process.js";
import { vaultRequest } from "./vault-request.js";

export interface OpenBaoServer extends RunningServer {
  /** The root token. */
  readonly token: string;
  /** With `tls`: the PEM file of the CA that signed the server's certificate. */
  readonly caFile: string | undefined;
  /** A direct call to the server (`path` after `/v1/`), for setup and for checking what it holds. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

export interface StartOpenBaoOptions {
  /** The root token (default: random). */
  token?: string;
  /** Serve HTTPS with a certificate from a CA of its own (`-dev-tls`); the CA is `caFile`. */
  tls?: boolean;
}

/** `bao server -dev` (KV v2 mounted at `secret/`) on a free loopback port, ready when it resolves. */
export async function startOpenBao(options: StartOpenBaoOptions = {}): Promise<OpenBaoServer> {
  const bao = await ensureTool("openbao");
  const token = options.token ?? `root-${randomBytes(16).toString("hex")}`;
  const home = await fs.mkdtemp(path.join(os.tmpdir(), "test-openbao-"));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const tls = options.tls === true;
    const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
    const caFile = tls ? path.join(home, "vault-ca.pem") : undefined;
    const args = [
      "server",
      "-dev",
      `-dev-root-token-id=${token}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      "-dev-no-store-token",
    ];
    if (tls) args.push("-dev-tls", `-dev-tls-cert-dir=${home}`);
    const { child, tail } = launch(bao, args, {
      HOME: home,
      VAULT_ADDR: "",
      BAO_ADDR: "",
      VAULT_TOKEN: "",
      BAO_TOKEN: "",
    });
    let ca: Buffer | undefined;
    const api = async (method: string, apiPath: string, body?: unknown) => {
      if (caFile) ca ??= await fs.readFile(caFile);
      return vaultRequest({ addr: url, method, path: apiPath, token, body, ca });
    };
    try {
      await waitUntil(child, tail, async () => (await api("GET", "sys/health")).status === 200);
      // The dev server mounts KV v2 at secret/ a moment after it reports healthy.
      await waitUntil(child, tail, async () => (await api("GET", "secret/config")).status === 200);
      return {
        url,
        token,
        caFile,
        api,
        stop: async () => {
          await stopChild(child);
          await fs.rm(home, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      await stopChild(child);
    }
  }
  await fs.rm(home, { recursive: true, force: true });
  throw new Error(
    `OpenBao did not start: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}
