import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatDotenvLine } from "@org/secrets-exporters/dotenv";
import { parse as dotenvParse } from "dotenv";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEnvProvider } from "../src/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const writer = path.join(here, "fixtures", "bulk-writer.mjs");
const dist = path.resolve(here, "../dist/index.js");
const root = mkdtempSync(path.join(tmpdir(), "provider-env-crash-"));
const children = new Set<ChildProcess>();

beforeAll(() => {
  if (!existsSync(dist))
    throw new Error("Build the package first (pnpm build): the child processes use dist/");
});
afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Start the writer; resolves once it has reported `writes` completed writes. */
function startWriter(
  file: string,
  count: number,
  writes: number,
): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [writer, file, String(count)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  let seen = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      seen += chunk.split("\n").filter((line) => line.startsWith("wrote ")).length;
      if (seen >= writes) resolve();
    });
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`writer exited early (code ${code})`));
    });
  });
  return { child, ready };
}

describe("a writer killed in the middle of rewriting a 2,000-entry file", () => {
  it("30 kills: the file always parses whole, the next write leaves no temporary file and gets the lock", async () => {
    const count = 2000;
    const dir = mkdtempSync(path.join(root, "kill-"));
    const file = path.join(dir, ".env");
    let text = "# many secrets\n";
    for (let i = 0; i < count; i++) text += `${formatDotenvLine(`KEY_${i}`, `v0-KEY_${i}`)}\n`;
    writeFileSync(file, text, { mode: 0o600 });
    // The next writer, with the default lock options (a dead holder on this host is taken over at once).
    const next = createEnvProvider({ path: file, env: {} });
    const random = prng(0xc0ffee);
    let killsLeavingLock = 0;
    let killsLeavingCopy = 0;

    for (let round = 0; round < 30; round++) {
      const { child, ready } = startWriter(file, count, 1 + Math.floor(random() * 3));
      await ready;
      // Somewhere inside the following write: reading, editing, writing the copy, renaming.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 20)));
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGKILL");
      await exited;

      const leftovers = readdirSync(dir).filter((f) => f !== ".env");
      if (leftovers.includes(".env.lock")) killsLeavingLock++;
      if (leftovers.some((f) => f.endsWith(".tmp"))) killsLeavingCopy++;

      // Old or new content, never part of one: every entry there, each a value some write gave it.
      const parsed = dotenvParse(readFileSync(file, "utf8"));
      expect(Object.keys(parsed)).toHaveLength(count);
      for (let i = 0; i < count; i++) expect(parsed[`KEY_${i}`]).toMatch(new RegExp(`^v\\d+-KEY_${i}$`));

      // The next writer gets the lock (no TIMEOUT), and its write removes the killed writer's copy.
      await next.set("KEY_0", `v${1_000_000 + round}-KEY_0`);
      expect(readdirSync(dir)).toEqual([".env"]);
      expect((await next.get("KEY_0"))?.value).toBe(`v${1_000_000 + round}-KEY_0`);
      expect((await next.list()).length).toBe(count);
    }
    // The kills did land inside writes (holding the lock), so the recovery above was exercised;
    // how many also left a full copy depends on the moment (the core tests force that case).
    expect(killsLeavingLock).toBeGreaterThan(0);
    expect(killsLeavingCopy).toBeLessThanOrEqual(killsLeavingLock);
  }, 240_000);
});
