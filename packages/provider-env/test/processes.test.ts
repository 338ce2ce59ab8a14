import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { killLineProcesses, type LineProcess, startLineProcess } from "@org/secrets-test-support";
import { parse as dotenvParse } from "dotenv";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEnvProvider } from "../src/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const writer = path.join(here, "fixtures", "writer.mjs");
const dist = path.resolve(here, "../dist/index.js");
const root = mkdtempSync(path.join(tmpdir(), "provider-env-processes-"));

afterEach(killLineProcesses);
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(() => {
  if (!existsSync(dist))
    throw new Error("Build the package first (pnpm build): the child processes use dist/");
});

function startWriter(
  file: string,
  name: string,
  value: string,
  mode: "set" | "ifAbsent" | "hang-before-rename" | "setMany-ifAbsent",
): LineProcess {
  return startLineProcess(writer, [file, name, value, mode]);
}

/** Start writers, wait until each is ready, release them together, collect their outcomes. */
async function race(
  writers: LineProcess[],
): Promise<
  Array<{ ok: boolean; code?: string; name?: string; won?: string[]; lost?: string[]; other?: string[] }>
> {
  for (const w of writers) expect(await w.nextLine()).toBe("ready");
  for (const w of writers) w.child.stdin?.write("go\n");
  const outcomes = await Promise.all(writers.map(async (w) => JSON.parse(await w.nextLine())));
  expect(await Promise.all(writers.map((w) => w.exited))).toEqual(writers.map(() => 0));
  return outcomes;
}

describe("several processes writing one dotenv file", () => {
  it("16 processes each writing a different name at once: all 16 are present afterwards", async () => {
    const dir = mkdtempSync(path.join(root, "many-"));
    const file = path.join(dir, ".env");
    const original = "# shared file\nEXISTING=kept\n";
    writeFileSync(file, original);
    const writers = Array.from({ length: 16 }, (_, i) =>
      startWriter(file, `WRITER_${i}`, `value ${i} #${i}`, "set"),
    );
    const outcomes = await race(writers);
    expect(outcomes).toEqual(writers.map(() => ({ ok: true })));

    const text = readFileSync(file, "utf8");
    const parsed = dotenvParse(text);
    for (let i = 0; i < 16; i++) expect(parsed[`WRITER_${i}`]).toBe(`value ${i} #${i}`);
    expect(parsed.EXISTING).toBe("kept");
    expect(Object.keys(parsed)).toHaveLength(17);
    expect(text.startsWith(original)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([".env"]);
  });

  it("16 processes racing an ifAbsent create of one name: exactly one wins", async () => {
    const dir = mkdtempSync(path.join(root, "race-"));
    const file = path.join(dir, ".env");
    const writers = Array.from({ length: 16 }, (_, i) =>
      startWriter(file, "CONTESTED", `contender-${i}`, "ifAbsent"),
    );
    const outcomes = await race(writers);
    const winners = outcomes.flatMap((o, i) => (o.ok ? [i] : []));
    expect(winners).toHaveLength(1);
    const losers = outcomes.filter((o) => !o.ok);
    expect(losers).toHaveLength(15);
    for (const loser of losers)
      expect(loser).toEqual({ ok: false, name: "SecretConflictError", code: "CONFLICT" });
    expect(dotenvParse(readFileSync(file, "utf8")).CONTESTED).toBe(`contender-${winners[0]}`);
    const provider = createEnvProvider({ path: file, env: {} });
    expect((await provider.get("CONTESTED"))?.value).toBe(`contender-${winners[0]}`);
    expect(readdirSync(dir).sort()).toEqual([".env"]);
  });

  it("16 processes each creating 200 overlapping names in one setMany: exactly one value per name", async () => {
    const dir = mkdtempSync(path.join(root, "batch-race-"));
    const file = path.join(dir, ".env");
    writeFileSync(file, "EXISTING=kept\n");
    // Process i creates KEY_<i*25> to KEY_<i*25+199>: each name is wanted by up to 8 processes.
    const writers = Array.from({ length: 16 }, (_, i) =>
      startWriter(file, String(i * 25), `p${i}`, "setMany-ifAbsent"),
    );
    const outcomes = await race(writers);
    const winners = new Map<string, number[]>();
    outcomes.forEach((o, i) => {
      expect(o.ok).toBe(true);
      expect(o.other).toEqual([]);
      expect((o.won?.length ?? 0) + (o.lost?.length ?? 0)).toBe(200);
      for (const key of o.won ?? []) winners.set(key, [...(winners.get(key) ?? []), i]);
    });
    const parsed = dotenvParse(readFileSync(file, "utf8"));
    const names = Array.from({ length: 15 * 25 + 200 }, (_, k) => `KEY_${k}`);
    for (const key of names) {
      const won = winners.get(key) ?? [];
      expect(won, key).toHaveLength(1);
      expect(parsed[key]).toBe(`p${won[0]}-${key}`);
    }
    expect(Object.keys(parsed)).toHaveLength(names.length + 1);
    expect(parsed.EXISTING).toBe("kept");
    expect(readdirSync(dir).sort()).toEqual([".env"]);
  });

  it("a writer killed just before its rename leaves the old file intact, and the next writer takes over its lock", async () => {
    const dir = mkdtempSync(path.join(root, "crash-"));
    const file = path.join(dir, ".env");
    const original = "# before the crash\nKEEP=1\n";
    writeFileSync(file, original, { mode: 0o600 });
    const w = startWriter(file, "DOOMED", "never-written", "hang-before-rename");
    expect(await w.nextLine()).toBe("ready");
    w.child.stdin?.write("go\n");
    expect(await w.nextLine()).toBe("renaming");
    w.child.kill("SIGKILL");
    await w.exited;

    // The crash left its fully written temporary file and its lock behind; the file itself is untouched.
    expect(readFileSync(file, "utf8")).toBe(original);
    const leftovers = readdirSync(dir).filter((f) => f !== ".env");
    expect(leftovers.some((f) => f.endsWith(".tmp"))).toBe(true);
    expect(leftovers).toContain(".env.lock");
    const provider = createEnvProvider({ path: file, env: {} });
    expect(await provider.get("DOOMED")).toBeUndefined();

    // The lock's owner is gone, so the next writer takes it over instead of waiting.
    await provider.set("AFTER", "recovered");
    const parsed = dotenvParse(readFileSync(file, "utf8"));
    expect(parsed).toEqual({ KEEP: "1", AFTER: "recovered" });
    expect(existsSync(`${file}.lock`)).toBe(false);
    // The killed writer's full copy of the secrets is gone too.
    expect(readdirSync(dir)).toEqual([".env"]);
  });
});
