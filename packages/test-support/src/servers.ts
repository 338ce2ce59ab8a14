/**
 * Real backends for tests: an OpenBao dev server and a moto server, each on a
 * free 127.0.0.1 port, started and awaited until they answer, stopped (and
 * waited for) afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import os from "node:os";
import path from "node:path";
import { ensureTool, freePort } from "./tools.js";

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

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

/** `moto_server` on a free loopback port, ready when it resolves. */
export async function startMoto(): Promise<RunningServer> {
  const moto = await ensureTool("moto");
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { child, tail } = launch(moto, ["-H", "127.0.0.1", "-p", String(port)], { PYTHONUNBUFFERED: "1" });
    try {
      await waitUntil(child, tail, async () => {
        const response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        return response.ok;
      });
      return { url, stop: () => stopChild(child) };
    } catch (error) {
      lastError = error;
      await stopChild(child);
    }
  }
  throw new Error(
    `moto_server did not start: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}

/** The environment that points the AWS SDK at a moto server, with dummy credentials and no machine config. */
export function motoEnv(endpoint: string): Record<string, string> {
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIATESTSUPPORT00000",
    AWS_SECRET_ACCESS_KEY: "test-support-dummy-secret-access-key",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_CONFIG_FILE: path.join(os.tmpdir(), "no-such-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), "no-such-aws-credentials"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

function launch(
  file: string,
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; tail: () => string } {
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  // Keep reading (a full pipe would stall the server) and keep the end for error messages.
  let last = "";
  const keep = (chunk: Buffer) => {
    last = (last + chunk.toString("utf8")).slice(-3000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, tail: () => last };
}

async function waitUntil(
  child: ChildProcess,
  tail: () => string,
  ready: () => Promise<boolean>,
): Promise<void> {
  let exited: string | undefined;
  const onExit = (code: number | null, signal: string | null) => {
    exited = `exited with ${signal ?? code}`;
  };
  child.once("exit", onExit);
  child.once("error", (error) => {
    exited = `failed to start: ${error.message}`;
  });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (exited) throw new Error(`${exited}; output ends with: ${tail()}`);
      try {
        if (await ready()) return;
      } catch {
        // not answering yet
      }
      if (Date.now() > deadline) throw new Error(`no answer within 60 s; output ends with: ${tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    child.off("exit", onExit);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
