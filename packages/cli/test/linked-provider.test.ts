import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createLinkedProvider } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * A provider package installed through a symbolic link, whose own dependency is
 * found only from its real place, loads however Node was started: with stdout a
 * pipe, with a preloaded module (`NODE_OPTIONS=--require`, as `dotenv/config` is
 * often used), from an ES module. The executable once left a pipe's stat in the
 * array Node 20's `realpathSync` reads to skip pipes, and the provider was then
 * loaded from the link's path (see process-output.ts).
 */

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const esmEntry = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
let dir: string;
let project: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "secrets-linked-provider-"));
  project = createLinkedProvider(dir);
  writeFileSync(path.join(dir, "preload.cjs"), "// a preloaded module that does nothing\n");
  writeFileSync(
    path.join(dir, "start.mjs"),
    `process.argv.splice(1, 1);\nawait import(${JSON.stringify(new URL(`file://${esmEntry}`).href)});\n`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function get(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [...args, "get", "X"], {
    cwd: project,
    env: { PATH: process.env.PATH ?? "", HOME: dir, SECRET_PROVIDER: "acme-provider", ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return [result.status, result.stdout, result.stderr];
}

describe("a provider package installed through a symbolic link", () => {
  it("loads with its own dependencies from the executable, over a pipe", () => {
    expect(get([bin])).toEqual([0, "from-acme:X", ""]);
  });

  it("also with a module preloaded through NODE_OPTIONS, and with -r", () => {
    const preload = path.join(dir, "preload.cjs");
    expect(get([bin], { NODE_OPTIONS: `--require ${preload}` })).toEqual([0, "from-acme:X", ""]);
    expect(get(["-r", preload, bin])).toEqual([0, "from-acme:X", ""]);
  });

  it("also when an ES module that imports the ES module entry started Node", () => {
    expect(get([path.join(dir, "start.mjs"), esmEntry])).toEqual([0, "from-acme:X", ""]);
  });
});
