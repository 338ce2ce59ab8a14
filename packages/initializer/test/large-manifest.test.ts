import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SecretConfigError } from "@org/secrets-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as Yaml from "yaml";
import { loadManifest, MAX_MANIFEST_BYTES, ManifestError, parseManifest } from "../src/index.js";

/** `count` secrets, each with a description, a generator and a rotation period. */
function bigManifest(count: number, options: { alias?: boolean } = {}): string {
  let text = "version: 1\nsecrets:\n";
  for (let i = 0; i < count; i++) {
    const generate =
      options.alias === true
        ? i === 0
          ? "&strong { kind: hex, length: 64 }"
          : "*strong"
        : "{ kind: hex, length: 64 }";
    text += `  S_${i}:\n    description: secret ${i}\n    generate: ${generate}\n    rotation: 90d\n`;
  }
  return text;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "secrets-manifest-"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe("a large manifest", () => {
  it("reads 10,000 secrets from a file just under the 1 MiB limit, every one of them", async () => {
    let text = bigManifest(10_000);
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_MANIFEST_BYTES);
    // Pad with a comment up to a few bytes under the limit.
    text += `# ${"x".repeat(MAX_MANIFEST_BYTES - Buffer.byteLength(text) - 3)}\n`;
    expect(Buffer.byteLength(text)).toBe(MAX_MANIFEST_BYTES);
    await writeFile(path.join(dir, "secrets.yaml"), text);
    const manifest = await loadManifest({ cwd: dir, env: {} });
    expect(manifest.secrets).toHaveLength(10_000);
    expect(manifest.secrets[9_999]).toMatchObject({ name: "S_9999", required: true });
    expect(new Set(manifest.secrets.map((s) => s.name)).size).toBe(10_000);
  }, 60_000);

  it("resolves 10,000 aliases without yaml's per-alias walk of the whole document", () => {
    const resolve = vi.spyOn(Yaml.Alias.prototype, "resolve");
    const manifest = parseManifest(bigManifest(10_000, { alias: true }));
    expect(manifest.secrets).toHaveLength(10_000);
    expect(
      manifest.secrets.every(
        (s) => s.generate !== false && "length" in s.generate && s.generate.length === 64,
      ),
    ).toBe(true);
    // Each call of Alias.resolve walks every node of the document: 10,000 of them would be quadratic.
    expect(resolve).toHaveBeenCalledTimes(0);
  }, 60_000);

  it("still finds a duplicate among 10,000 secrets, at the duplicate", () => {
    const text = `${bigManifest(10_000)}  S_5000: {}\n`;
    const error = (() => {
      try {
        parseManifest(text);
      } catch (e) {
        return e;
      }
    })() as ManifestError;
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.line).toBe(2 + 10_000 * 4 + 1);
    expect(error.message).toMatch(/duplicate key "S_5000"/);
    expect(error.issues).toHaveLength(1);
  }, 60_000);

  it("stops at 100 problems in a file full of them", () => {
    let text = "version: 1\nsecrets:\n  A:\n";
    for (let i = 0; i < 20_000; i++) text += `    unknown${i}: x\n`;
    const error = (() => {
      try {
        parseManifest(text);
      } catch (e) {
        return e;
      }
    })() as ManifestError;
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.issues).toHaveLength(100);
    expect(error.message).toMatch(
      /^secrets\.yaml:4:5: unknown key "unknown0" in secret A.*\(and 99 more problems\)$/,
    );
  });

  it("refuses a file over 1 MiB before parsing it, naming the file", async () => {
    const file = path.join(dir, "secrets.yaml");
    await writeFile(file, `${bigManifest(10_000)}# ${"x".repeat(MAX_MANIFEST_BYTES)}\n`);
    const error = await loadManifest({ cwd: dir, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as Error).message).toBe(
      `Secrets manifest ${file} (from the project directory) cannot be read: it is larger than 1048576 bytes (1 MiB), the most a manifest may hold`,
    );
  });

  it("refuses an endless device and a FIFO without reading them", async () => {
    await expect(loadManifest({ cwd: dir, env: {}, path: "/dev/zero" })).rejects.toThrow(
      "Secrets manifest /dev/zero (from the manifest option) cannot be read: it is a character device, not a regular file",
    );
    const fifo = path.join(dir, "fifo.yaml");
    execFileSync("mkfifo", [fifo]);
    await expect(loadManifest({ cwd: dir, env: { SECRETS_MANIFEST: fifo } })).rejects.toThrow(
      /cannot be read: it is a named pipe, not a regular file/,
    );
  });

  it("refuses a file that is not UTF-8", async () => {
    await writeFile(path.join(dir, "secrets.yaml"), Buffer.from([0x76, 0x65, 0xff, 0xfe, 0x0a]));
    await expect(loadManifest({ cwd: dir, env: {} })).rejects.toThrow(/cannot be read: it is not UTF-8 text/);
  });
});
