/**
 * Finding the real server binaries the tests run against: on PATH when they
 * work, else in the repository's `.tools/` folder, installed there by
 * `scripts/install-test-tools.sh` (the one installer the README and CI use).
 */
import { execFile } from "node:child_process";
import { constants, existsSync, promises as fs } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** The repository root: the nearest folder above this file holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("no pnpm-workspace.yaml above the test-support package");
    dir = parent;
  }
}

async function executable(file: string): Promise<boolean> {
  try {
    await fs.access(file, constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function runs(file: string, args: string[], expect: RegExp): Promise<boolean> {
  try {
    const { stdout, stderr } = await exec(file, args, { timeout: 60_000 });
    return expect.test(stdout + stderr);
  } catch {
    return false;
  }
}

async function onPath(command: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (await executable(candidate)) found.push(candidate);
  }
  return found;
}

type Tool = "openbao" | "moto";

const BINARY: Record<Tool, { bin: string; args: string[]; expect: RegExp }> = {
  openbao: { bin: "bao", args: ["version"], expect: /OpenBao/i },
  moto: { bin: "moto_server", args: ["--help"], expect: /usage/i },
};

const located = new Map<Tool, Promise<string>>();

/** The path of a working `bao` or `moto_server`, installing it into `.tools/` when none is found. */
export function ensureTool(tool: Tool): Promise<string> {
  let found = located.get(tool);
  if (!found) {
    found = locate(tool);
    located.set(tool, found);
    found.catch(() => located.delete(tool));
  }
  return found;
}

async function locate(tool: Tool): Promise<string> {
  const { bin, args, expect } = BINARY[tool];
  const local = path.join(repoRoot(), ".tools", tool, "bin", bin);
  for (const candidate of [local, ...(await onPath(bin))]) {
    if ((await executable(candidate)) && (await runs(candidate, args, expect))) return candidate;
  }
  const script = path.join(repoRoot(), "scripts", "install-test-tools.sh");
  await exec("bash", [script, "--venv", tool], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
  if (await runs(local, args, expect)) return local;
  throw new Error(`scripts/install-test-tools.sh did not provide a working ${local}`);
}

/** A free loopback port: listen on port 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
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

const pythons = new Map<string, Promise<string>>();

/**
 * A Python interpreter that can import `modules` (a comma-separated list, as in
 * an `import` statement), found once per list: the one beside the `moto_server`
 * that `ensureTool("moto")` found, else the one that script starts with (`#!`),
 * else `python3`, else the one `scripts/install-test-tools.sh` puts into
 * `.tools/moto`.
 */
function pythonThatImports(modules: string): Promise<string> {
  let found = pythons.get(modules);
  if (found) return found;
  found = (async () => {
    const moto = await ensureTool("moto");
    const candidates = [path.join(path.dirname(moto), "python")];
    const shebang = /^#!\s*(\S+)/.exec((await fs.readFile(moto, "utf8").catch(() => "")).slice(0, 200))?.[1];
    if (shebang && !/(?:\/env|\/sh|bash)$/.test(shebang)) candidates.push(shebang);
    candidates.push("python3");
    const check = ["-c", `import ${modules}; print('ok')`];
    for (const candidate of candidates) if (await runs(candidate, check, /ok/)) return candidate;
    const script = path.join(repoRoot(), "scripts", "install-test-tools.sh");
    await exec("bash", [script, "--venv", "moto"], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
    const local = path.join(repoRoot(), ".tools", "moto", "bin", "python");
    if (await runs(local, check, /ok/)) return local;
    throw new Error(
      `no Python that can import ${modules} was found, and scripts/install-test-tools.sh did not provide one`,
    );
  })();
  pythons.set(modules, found);
  found.catch(() => pythons.delete(modules));
  return found;
}

/** A Python interpreter that runs the moto `ensureTool("moto")` found (see startMoto). */
export function pythonWithMoto(): Promise<string> {
  return pythonThatImports("moto.moto_server.werkzeug_app, werkzeug.serving");
}

/** A Python interpreter that can `import boto3`, for tests that check interop with AWS's own SDK. */
export function pythonWithBoto3(): Promise<string> {
  return pythonThatImports("boto3");
}
