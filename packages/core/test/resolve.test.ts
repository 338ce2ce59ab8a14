import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { canaryToken, canaryValue, findLeaks } from "../../test-support/src/canary.js";
import {
  BUILTIN_PROVIDERS,
  createSecretManagerFromEnv,
  ProviderInvalidError,
  ProviderNotInstalledError,
  resolveProvider,
  SecretConfigError,
  SecretError,
} from "../src/index.js";

const project = mkdtempSync(path.join(tmpdir(), "secrets-resolve-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function writePackage(name: string, source: string) {
  const dir = path.join(project, "node_modules", ...name.split("/"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name, version: "1.0.0", type: "module", exports: "./index.js" }),
  );
  writeFileSync(path.join(dir, "index.js"), source);
}

const goodProvider = `
export function createProvider(context) {
  const data = new Map();
  return {
    name: "acme-foo",
    cwd: context.cwd,
    async get(name) { return data.has(name) ? { value: data.get(name) } : undefined; },
    async set(name, value) { data.set(name, value); },
    async delete(name) { return data.delete(name); },
    async check() {},
  };
}`;
writePackage("@acme/secrets-provider-foo", goodProvider);
writePackage("@acme/not-a-provider", "export const hello = 1;");
writePackage(
  "@acme/half-provider",
  `export function createProvider() { return { name: "half", async get() {} }; }`,
);
writeFileSync(path.join(project, "local-provider.mjs"), goodProvider);

// A dual-format package: the format loaded must match the core that loads it.
{
  const dir = path.join(project, "node_modules", "@acme", "dual-provider");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "@acme/dual-provider",
      exports: { ".": { import: "./esm.mjs", require: "./cjs.cjs" }, "./package.json": "./package.json" },
    }),
  );
  const body = (format: string) =>
    `{ return { name: "dual-${format}", async get() {}, async set() {}, async delete() { return false; }, async check() {} }; }`;
  writeFileSync(path.join(dir, "esm.mjs"), `export function createProvider() ${body("esm")}`);
  writeFileSync(path.join(dir, "cjs.cjs"), `exports.createProvider = function () ${body("cjs")};`);
}

// Subpaths: through `exports` (exact and pattern) and, without `exports`, the file itself.
{
  const dir = path.join(project, "node_modules", "@acme", "kv");
  mkdirSync(path.join(dir, "lib", "providers"), { recursive: true });
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "@acme/kv",
      type: "module",
      exports: {
        ".": "./lib/main.js",
        "./provider": { import: "./lib/provider.js", require: "./lib/provider.cjs" },
        "./providers/*": "./lib/providers/*.js",
      },
    }),
  );
  const named = (n: string) =>
    `export function createProvider() { return { name: "${n}", async get() {}, async set() {}, async delete() { return false; }, async check() {} }; }`;
  writeFileSync(path.join(dir, "lib", "provider.js"), named("kv-exact"));
  writeFileSync(path.join(dir, "lib", "providers", "fast.js"), named("kv-pattern"));
  writeFileSync(path.join(dir, "lib", "hidden.js"), named("kv-hidden"));
  const plain = path.join(project, "node_modules", "plain-kv");
  mkdirSync(plain, { recursive: true });
  writeFileSync(path.join(plain, "package.json"), JSON.stringify({ name: "plain-kv", type: "module" }));
  writeFileSync(path.join(plain, "provider.js"), named("plain-sub"));
}

describe("provider resolution", () => {
  it("resolves a package subpath through its exports, exact or by pattern, and refuses an unexported one", async () => {
    expect((await resolveProvider("@acme/kv/provider", { cwd: project })).name).toBe("kv-exact");
    expect((await resolveProvider("@acme/kv/providers/fast", { cwd: project })).name).toBe("kv-pattern");
    expect((await resolveProvider("plain-kv/provider", { cwd: project })).name).toBe("plain-sub");
    await expect(resolveProvider("@acme/kv/lib/hidden", { cwd: project })).rejects.toBeInstanceOf(
      ProviderNotInstalledError,
    );
  });

  it("loads a third-party package from the project directory and checks its shape", async () => {
    const provider = await resolveProvider("@acme/secrets-provider-foo", { cwd: project });
    expect(provider.name).toBe("acme-foo");
    await provider.set("A", "1");
    expect(await provider.get("A")).toEqual({ value: "1" });
  });

  it("loads a module by relative path", async () => {
    const provider = await resolveProvider("./local-provider.mjs", { cwd: project });
    expect(provider.name).toBe("acme-foo");
  });

  it("tells which package to install for a first-party provider that is missing", async () => {
    // A short name whose package is surely absent (the real ones are workspace packages here).
    const builtins = { ghost: "@org/secrets-provider-ghost" };
    const error = await resolveProvider("ghost", { cwd: project, builtins }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderNotInstalledError);
    expect((error as Error).message).toBe(
      "Secret provider 'ghost' is not installed: run npm install @org/secrets-provider-ghost",
    );
    expect(BUILTIN_PROVIDERS).toEqual({
      env: "@org/secrets-provider-env",
      vault: "@org/secrets-provider-vault",
      aws: "@org/secrets-provider-aws",
    });
  });

  it("reports a missing third-party package", async () => {
    await expect(resolveProvider("@acme/absent", { cwd: project })).rejects.toBeInstanceOf(
      ProviderNotInstalledError,
    );
  });

  it("rejects modules without createProvider, and providers missing methods", async () => {
    await expect(resolveProvider("@acme/not-a-provider", { cwd: project })).rejects.toThrow(
      /does not export a createProvider/,
    );
    const error = await resolveProvider("@acme/half-provider", { cwd: project }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderInvalidError);
    expect((error as Error).message).toMatch(/missing method\(s\) set, delete, check/);
  });

  it("a provider that fails to load or start quoting a token of the environment gets an error without it", async () => {
    const token = canaryToken();
    const key = canaryValue("KEY", 24);
    writePackage(
      "@acme/throws-at-import",
      "throw new Error('cannot start: ACME_TEST_TOKEN=' + process.env.ACME_TEST_TOKEN);",
    );
    writePackage(
      "@acme/throws-in-factory",
      "export function createProvider(c) { throw new Error('login refused for ' + c.env.ACME_API_KEY + ' (token ' + c.env.ACME_TEST_TOKEN + ')'); }",
    );
    writePackage(
      "@acme/secret-error-in-factory",
      `import { SecretConfigError } from ${JSON.stringify(path.resolve(fileURLToPath(import.meta.url), "../../src/errors.ts"))};
export function createProvider(c) { throw new SecretConfigError("bad key " + c.env.ACME_API_KEY, { field: c.env.ACME_TEST_TOKEN }); }`,
    );
    writeFileSync(
      path.join(project, "throws-at-import.mjs"),
      "throw new Error('no: ' + process.env.ACME_TEST_TOKEN);",
    );
    process.env.ACME_TEST_TOKEN = token;
    try {
      const env = { ...process.env, ACME_API_KEY: key };
      for (const spec of [
        "@acme/throws-at-import",
        "@acme/throws-in-factory",
        "@acme/secret-error-in-factory",
        "./throws-at-import.mjs",
      ]) {
        const error = await resolveProvider(spec, { cwd: project, env }).catch((e: unknown) => e);
        expect(error, spec).toBeInstanceOf(SecretError);
        const texts: Record<string, string> = {};
        for (let e: unknown = error, depth = 0; e instanceof Error; e = e.cause, depth++)
          texts[`${spec} ${depth}`] = [
            e.message,
            e.stack,
            JSON.stringify(e),
            inspect(e, { showHidden: true }),
          ].join("\n");
        expect(findLeaks(texts, { token, key })).toEqual([]);
      }
      const factory = await resolveProvider("@acme/throws-in-factory", { cwd: project, env }).catch(
        (e: unknown) => e,
      );
      expect((factory as Error).message).toBe(
        "Secret provider '@acme/throws-in-factory' is not a valid provider: createProvider() failed: login refused for [REDACTED] (token [REDACTED])",
      );
    } finally {
      delete process.env.ACME_TEST_TOKEN;
    }
  });

  it("rejects values that are neither a known name nor a package specifier", async () => {
    for (const bad of ["vault!", "Some Thing", "http://x"]) {
      const error = await resolveProvider(bad, { cwd: project }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretConfigError);
      expect((error as Error).message).toMatch(/^Invalid SECRET_PROVIDER/);
    }
  });

  it("uses loaders supplied by a host before resolving packages", async () => {
    const provider = await resolveProvider("vault", {
      cwd: project,
      loaders: { vault: async () => import(path.join(project, "local-provider.mjs")) },
    });
    expect(provider.name).toBe("acme-foo");
  });

  it("never takes an Object.prototype member for a host loader", async () => {
    const loaders = { vault: async () => import(path.join(project, "local-provider.mjs")) };
    for (const spec of ["constructor"]) {
      const error = await resolveProvider(spec, { cwd: project, loaders }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderNotInstalledError);
    }
  });

  it("builds the process manager from SECRET_PROVIDER, resolving lazily", async () => {
    const manager = createSecretManagerFromEnv({
      env: { SECRET_PROVIDER: "@acme/secrets-provider-foo" },
      cwd: project,
    });
    expect(manager.providerName).toBe("@acme/secrets-provider-foo");
    await manager.setSecret("X", "y");
    expect(await manager.getSecret("X")).toBe("y");
    expect(manager.providerName).toBe("acme-foo");
  });

  it("rejects invalid core settings with the variable's name", () => {
    expect(() => createSecretManagerFromEnv({ env: { SECRET_CACHE_TTL: "soon" } })).toThrow(
      /SECRET_CACHE_TTL/,
    );
    expect(() => createSecretManagerFromEnv({ env: { LOG_LEVEL: "chatty" } })).toThrow(/LOG_LEVEL/);
  });

  it("loads a dual package in the format of the core that loads it", async () => {
    expect((await resolveProvider("@acme/dual-provider", { cwd: project })).name).toBe("dual-esm");
    const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist");
    const script = (load: string) =>
      `${load}.then((core) => core.resolveProvider("@acme/dual-provider", { cwd: ${JSON.stringify(project)} })).then((p) => process.stdout.write(p.name))`;
    const esm = execFileSync(process.execPath, [
      "-e",
      script(`import(${JSON.stringify(`${dist}/index.js`)})`),
    ]);
    const cjs = execFileSync(process.execPath, [
      "-e",
      script(`Promise.resolve(require(${JSON.stringify(`${dist}/index.cjs`)}))`),
    ]);
    expect(String(esm)).toBe("dual-esm");
    expect(String(cjs)).toBe("dual-cjs");
  });

  it("a CommonJS core takes a CommonJS provider with require, without starting the ES module loader; an ES module provider still loads", () => {
    const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist");
    const core = `require(${JSON.stringify(`${dist}/index.cjs`)})`;
    const esmLoader = `process.moduleLoadList.includes("NativeModule internal/modules/esm/module_job")`;
    const run = (script: string) =>
      JSON.parse(String(execFileSync(process.execPath, ["-e", script]))) as { name?: string; esm: boolean };
    const load = (name: string) =>
      run(
        `${core}.resolveProvider(${JSON.stringify(name)}, { cwd: ${JSON.stringify(project)} })` +
          `.then((p) => process.stdout.write(JSON.stringify({ name: p.name, esm: ${esmLoader} })))`,
      );
    // What loading core alone starts (from Node 24 on, parts of the ES module loader for any CommonJS program).
    const { esm: before } = run(`${core}; process.stdout.write(JSON.stringify({ esm: ${esmLoader} }))`);
    expect(load("@acme/dual-provider")).toEqual({ name: "dual-cjs", esm: before });
    expect(load("@acme/secrets-provider-foo")).toEqual({ name: "acme-foo", esm: true });
  });
});
