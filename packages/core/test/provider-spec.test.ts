import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { classifyProviderSpec, resolveProvider, SecretConfigError } from "../src/index.js";

const project = mkdtempSync(path.join(tmpdir(), "secrets-spec-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

// A module that records being loaded: any traversal that reached it would leave a mark.
const marker = path.join(project, "loaded.txt");
const evil = `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(marker)}, "loaded");
export function createProvider() { return { name: "x", async get() {}, async set() {}, async delete() { return false; }, async check() {} }; }`;
mkdirSync(path.join(project, "node_modules", "@scope", "pkg"), { recursive: true });
mkdirSync(path.join(project, "node_modules", "pkg", "x"), { recursive: true });
writeFileSync(path.join(project, "x.mjs"), evil);
writeFileSync(path.join(project, "node_modules", "x.mjs"), evil);
writeFileSync(path.join(project, "node_modules", "pkg", "x", "index.mjs"), evil);
writeFileSync(
  path.join(project, "node_modules", "pkg", "package.json"),
  JSON.stringify({ name: "pkg", type: "module", exports: { ".": "./x/index.mjs", "./x": "./x/index.mjs" } }),
);

describe("SECRET_PROVIDER specs", () => {
  it("accepts builtin names, package names with subpaths, and explicit paths", () => {
    expect(classifyProviderSpec("vault")).toBe("builtin");
    expect(classifyProviderSpec("AWS")).toBe("builtin");
    expect(classifyProviderSpec("@acme/secrets-provider-foo")).toBe("package");
    expect(classifyProviderSpec("acme-provider/sub/path.js")).toBe("package");
    expect(classifyProviderSpec("./providers/mine.mjs")).toBe("path");
    expect(classifyProviderSpec("../shared/provider.js")).toBe("path");
    expect(classifyProviderSpec("/opt/provider/index.js")).toBe("path");
  });

  const refused = [
    "@scope/pkg/../../x",
    "pkg/./x",
    "pkg/..",
    "pkg/../x",
    "pkg/%2e%2e/x",
    "%2e%2e/x",
    "pkg/%2E%2E",
    "pkg\\..\\x",
    "..\\x",
    "file:///etc/passwd",
    "node:fs",
    "data:text/javascript,export{}",
    "https://example.com/p.js",
    ".",
    "..",
    ".hidden",
    "pkg/.hidden",
    "@scope/",
    "@/pkg",
    "pkg//x",
    "pkg/",
    " ",
    "Some Thing",
  ];
  it.each(refused)("refuses %j with a SecretConfigError and loads nothing", async (spec) => {
    expect(() => classifyProviderSpec(spec)).toThrow(SecretConfigError);
    const error = await resolveProvider(spec, { cwd: project }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as SecretConfigError).field).toBe("SECRET_PROVIDER");
    expect((error as Error).message).toMatch(/^Invalid SECRET_PROVIDER/);
    expect(existsSync(marker)).toBe(false);
  });
});
