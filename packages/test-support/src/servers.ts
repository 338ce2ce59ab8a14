/**
 * Real backends for tests: an OpenBao dev server and a moto server, each on a
 * free 127.0.0.1 port, started and awaited until they answer, stopped (and
 * waited for) afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
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
  /** A direct call to the server (`path` after `/v1/`), for setup and for checking what it holds. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

export interface StartOpenBaoOptions {
  /** The root token (default: random). */
  token?: string;
}

/** `bao server -dev` (KV v2 mounted at `secret/`) on a free loopback port, ready when it resolves. */
export async function startOpenBao(options: StartOpenBaoOptions = {}): Promise<OpenBaoServer> {
  const bao = await ensureTool("openbao");
  const token = options.token ?? `root-${randomBytes(16).toString("hex")}`;
  const home = await fs.mkdtemp(path.join(os.tmpdir(), "test-openbao-"));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { child, tail } = launch(
      bao,
      [
        "server",
        "-dev",
        `-dev-root-token-id=${token}`,
        `-dev-listen-address=127.0.0.1:${port}`,
        "-dev-no-store-token",
      ],
      { HOME: home, VAULT_ADDR: "", BAO_ADDR: "", VAULT_TOKEN: "", BAO_TOKEN: "" },
    );
    const api = async (method: string, apiPath: string, body?: unknown) => {
      const response = await fetch(`${url}/v1/${apiPath}`, {
        method,
        headers: {
          "X-Vault-Token": token,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON
      }
      return { status: response.status, body: parsed };
    };
    try {
      await waitUntil(
        child,
        tail,
        async () =>
          (await fetch(`${url}/v1/sys/health`, { signal: AbortSignal.timeout(2000) })).status === 200,
      );
      // The dev server mounts KV v2 at secret/ a moment after it reports healthy.
      await waitUntil(child, tail, async () => (await api("GET", "secret/config")).status === 200);
      return {
        url,
        token,
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
