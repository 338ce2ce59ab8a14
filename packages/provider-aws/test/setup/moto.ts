/**
 * Vitest global setup: a real moto server for the whole run.
 *
 * Finds `moto_server` in the project-local virtualenv `<repo>/.tools/moto`
 * (where scripts/install-test-tools.sh puts it), or on PATH, or else creates
 * that virtualenv with scripts/install-test-tools.sh, starts it on a free 127.0.0.1 port, waits until it
 * answers, and hands its endpoint (and a Python that has boto3) to the tests.
 * The server is stopped, and waited for, at teardown. Any failure here fails
 * the run: these tests never skip.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the moto server. */
    motoEndpoint: string;
    /** A Python interpreter that can `import boto3`. */
    python: string;
  }
}

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const VENV = path.join(REPO_ROOT, ".tools", "moto");
const VENV_BIN = path.join(VENV, process.platform === "win32" ? "Scripts" : "bin");
const START_TIMEOUT_MS = 60_000;

interface Tools {
  motoServer: string;
  python: string;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tools = await findTools();
  const server = await startMoto(tools.motoServer);
  project.provide("motoEndpoint", server.endpoint);
  project.provide("python", tools.python);
  return () => stop(server.child);
}

async function findTools(): Promise<Tools> {
  // A virtualenv made by scripts/install-test-tools.sh (or an earlier run) was made because PATH had no fitting moto.
  const venvServer = path.join(VENV_BIN, "moto_server");
  if (existsSync(venvServer)) return { motoServer: venvServer, python: path.join(VENV_BIN, "python") };
  const onPath = await whichWorking("moto_server");
  if (onPath) {
    if (await canImportBoto3("python3")) return { motoServer: onPath, python: "python3" };
    const venv = await ensureVenv();
    return { motoServer: onPath, python: venv.python };
  }
  const venv = await ensureVenv();
  return { motoServer: venv.motoServer, python: venv.python };
}

/** The first `name` on PATH that actually runs (a pyenv shim may exist without the tool behind it). */
async function whichWorking(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (!existsSync(candidate)) continue;
    try {
      await run(candidate, ["--help"], { timeout: 60_000 });
      return candidate;
    } catch {
      // Not usable; keep looking.
    }
  }
  return undefined;
}

async function canImportBoto3(python: string): Promise<boolean> {
  try {
    await run(python, ["-c", "import boto3"], { timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

/** The project-local virtualenv with moto's server (and boto3), created on first need. */
async function ensureVenv(): Promise<Tools> {
  const motoServer = path.join(VENV_BIN, "moto_server");
  const python = path.join(VENV_BIN, "python");
  if (!existsSync(motoServer)) {
    // The one installer the README and CI use, into the same place.
    const script = path.join(REPO_ROOT, "scripts", "install-test-tools.sh");
    await run("bash", [script, "--venv", "moto"], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
    if (!existsSync(motoServer))
      throw new Error(`scripts/install-test-tools.sh did not provide ${motoServer}`);
  }
  return { motoServer, python };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not find a free port"));
      });
    });
  });
}

async function startMoto(motoServer: string): Promise<{ child: ChildProcess; endpoint: string }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(motoServer, ["-H", "127.0.0.1", "-p", String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    });
    // moto logs every request: keep reading (a full pipe would stall it) and keep the tail for errors.
    let tail = "";
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString("utf8")).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilAnswering(endpoint, child, () => tail);
      return { child, endpoint };
    } catch (error) {
      lastError = error;
      await stop(child);
    }
  }
  throw new Error(`moto_server could not be started: ${(lastError as Error)?.message ?? lastError}`);
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, tail: () => string): Promise<void> {
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  child.once("error", (error) => {
    exited = `failed to start: ${error.message}`;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`moto_server ${exited}: ${tail()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within ${START_TIMEOUT_MS / 1000}s: ${tail()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
