/**
 * How the provider loads node-vault: without axios and debug, which it
 * replaces (its own request function, a no-op logger) and which are most of
 * node-vault's start-up, nor its command table, mustache and tv4, which build
 * command methods the provider never calls, and without leaving anything
 * behind for the application: its own node-vault, loaded afterwards, is the real one.
 * A file of its own: it looks at this process's module cache from the start.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createVaultProvider, type VaultProvider } from "../src/index.js";
import { STAND_INS } from "../src/node-vault-stand-ins.js";
import { root, server, unique } from "./support/vault.js";

const { addr, token } = server();
const requireHere = createRequire(import.meta.url);
const nodeVaultEntry = requireHere.resolve("node-vault");
const fromNodeVault = createRequire(nodeVaultEntry);
const open: VaultProvider[] = [];

afterAll(async () => {
  await Promise.all(open.map((p) => p.close?.()));
});

const loaded = (file: string) => requireHere.cache[file] !== undefined;
/** What node-vault loads and the provider's copy does without. */
const stoodIn = ["axios", "debug", "tv4", "mustache", "./commands.js"].map((id) => fromNodeVault.resolve(id));

describe("loading node-vault", () => {
  it("the provider's reads and writes work without axios, debug, the command table, mustache or tv4 ever being loaded", async () => {
    for (const file of [nodeVaultEntry, ...stoodIn]) expect(loaded(file), file).toBe(false);
    const prefix = unique("load");
    const p = await createVaultProvider({ url: addr, token, prefix, kvVersion: 2 });
    open.push(p);
    await p.set("LOADED", "by-the-provider", { ifAbsent: true });
    expect((await p.get("LOADED"))?.value).toBe("by-the-provider");
    expect((await root("GET", `secret/data/${prefix}/LOADED`)).data.data.value).toBe("by-the-provider");
    // Neither the stand-ins nor the provider's own copy of node-vault stay in the module cache.
    for (const file of [nodeVaultEntry, ...stoodIn]) expect(loaded(file), file).toBe(false);
    // `https` stood in for node-vault's load only: the application's `require("https")` is Node's.
    expect(loaded("https")).toBe(false);
    expect(requireHere("https")).toBe(requireHere("node:https"));
    expect(typeof (requireHere("https") as typeof import("node:https")).request).toBe("function");
  });

  it("the application's own node-vault, loaded afterwards, is the real one, with its own HTTP client", async () => {
    const nodeVault = requireHere("node-vault") as (options: Record<string, unknown>) => {
      read(path: string): Promise<{ data: { data: { value: string } } }>;
      write(path: string, body: unknown): Promise<unknown>;
    };
    for (const file of stoodIn) expect(loaded(file), file).toBe(true);
    const client = nodeVault({ endpoint: addr, token });
    const path = `secret/data/${unique("app")}/OWN`;
    await client.write(path, { data: { value: "through-axios" } });
    expect((await client.read(path)).data.data.value).toBe("through-axios");
  });

  it("the CommonJS build reads and writes without starting Node's ES module loader", async () => {
    const dist = fileURLToPath(new URL("../dist/index.cjs", import.meta.url));
    const prefix = unique("cjs");
    const script = `
      const { createVaultProvider } = require(${JSON.stringify(dist)});
      (async () => {
        const p = await createVaultProvider({ url: ${JSON.stringify(addr)}, token: ${JSON.stringify(token)}, prefix: ${JSON.stringify(prefix)}, kvVersion: 2 });
        await p.set("CJS", "from-commonjs", { ifAbsent: true });
        const value = (await p.get("CJS"))?.value;
        await p.close?.();
        process.stdout.write(JSON.stringify({ value, esm: process.moduleLoadList.filter((m) => m.includes("esm/module_job")) }));
      })();`;
    const out = JSON.parse(String(execFileSync(process.execPath, ["-e", script])));
    // What requiring the build alone loads (from Node 24 on, parts of the ES module loader for any CommonJS program).
    const before = JSON.parse(
      String(
        execFileSync(process.execPath, [
          "-e",
          `require(${JSON.stringify(dist)}); process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => m.includes("esm/module_job"))))`,
        ]),
      ),
    );
    expect(out).toEqual({ value: "from-commonjs", esm: before });
    expect((await root("GET", `secret/data/${prefix}/CJS`)).data.data.value).toBe("from-commonjs");
  });

  it("the tv4 stand-in checks request()'s options as tv4 does for node-vault's schema", () => {
    const tv4 = STAND_INS.tv4 as { error: Error | null; validate(data: unknown, schema: object): boolean };
    const schema = {
      type: "object",
      properties: { path: { type: "string" }, method: { type: "string" } },
      required: ["path", "method"],
    };
    expect(tv4.validate({ path: "/secret/data/A", method: "GET", json: { a: 1 } }, schema)).toBe(true);
    expect(tv4.error).toBeNull();
    expect(tv4.validate({ method: "GET" }, schema)).toBe(false);
    expect(tv4.error?.message).toBe("node-vault request options: no path");
    expect(tv4.validate({ path: 1, method: "GET" }, schema)).toBe(false);
    expect(tv4.error?.message).toBe("node-vault request options: path is not a string");
    expect(tv4.validate(Object.assign(Object.create({ path: "/x" }), { method: "GET" }), schema)).toBe(false);
    for (const bad of [null, "GET", [], undefined]) expect(tv4.validate(bad, schema)).toBe(false);
    expect(tv4.validate({ path: "/a", method: "LIST" }, schema)).toBe(true);
    expect(tv4.error).toBeNull();
  });

  it("the provider's client has no command methods, yet a request it makes is still checked", async () => {
    const { createNodeVaultClient } = await import("../src/node-vault.js");
    const sent: unknown[] = [];
    const transport = {
      defaults: () => async (options: unknown) => {
        sent.push(options);
        return { statusCode: 204, body: undefined, request: { path: "/" } };
      },
    };
    const client = (await createNodeVaultClient(addr, transport)) as unknown as Record<string, unknown> &
      import("../src/options.js").VaultClientLike;
    for (const method of ["approleLogin", "tokenLookupSelf", "unseal", "mounts"])
      expect(client[method], method).toBeUndefined();
    await client.request({ path: "/sys/health", method: "GET" });
    expect(sent).toHaveLength(1);
    await expect(client.request({ method: "GET" } as never)).rejects.toThrow(
      "node-vault request options: no path",
    );
    expect(sent).toHaveLength(1);
  });

  it("when the application loaded node-vault first, the provider uses that copy", async () => {
    expect(loaded(nodeVaultEntry)).toBe(true);
    const before = requireHere.cache[nodeVaultEntry];
    const prefix = unique("shared");
    const p = await createVaultProvider({ url: addr, token, prefix, kvVersion: 2 });
    open.push(p);
    await p.set("SHARED", "same-copy", { ifAbsent: true });
    expect((await p.get("SHARED"))?.value).toBe("same-copy");
    expect(requireHere.cache[nodeVaultEntry]).toBe(before);
  });
});
