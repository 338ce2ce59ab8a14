import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js");
const dir = mkdtempSync(path.join(tmpdir(), "initializer-lazy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether the `yaml` package was loaded after `loadManifest` in `cwd`, in a fresh process. */
function yamlLoadedAfterLoad(cwd: string): boolean {
  const script = `
    const { createRequire } = await import("node:module");
    const m = await import(${JSON.stringify(dist)});
    const manifest = await m.loadManifest({ cwd: ${JSON.stringify(cwd)}, env: {} });
    const loaded = Object.keys(createRequire(${JSON.stringify(dist)}).cache).some((f) => f.includes("/yaml/"));
    process.stdout.write(JSON.stringify({ source: manifest.source, loaded }));`;
  const out = JSON.parse(String(execFileSync(process.execPath, ["--input-type=module", "-e", script])));
  return out.loaded;
}

describe("the yaml parser is loaded only when a manifest file is read", () => {
  it("is not loaded for the built-in manifest", () => {
    expect(yamlLoadedAfterLoad(dir)).toBe(false);
  });

  it("is loaded for a secrets.yaml", () => {
    const project = mkdtempSync(path.join(dir, "with-file-"));
    writeFileSync(path.join(project, "secrets.yaml"), "version: 1\nsecrets:\n  A: { generate: hex }\n");
    expect(yamlLoadedAfterLoad(project)).toBe(true);
  });
});
