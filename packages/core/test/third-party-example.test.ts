import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
// Imported by package name, as a provider author would (the built package).
import {
  ProviderNotConfiguredError,
  SecretConflictError,
  SecretManager,
  silentLogger,
} from "@org/secrets-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProvider } from "../examples/third-party-provider.js";

// The README's third-party provider example, exercised against a tiny HTTP
// key-value service (the example's backend; not a stand-in for a real product).
const store = new Map<string, { value: string; etag: number }>();
let etags = 0;
const server = createServer((req, res) => {
  if (req.headers.authorization !== "Bearer t0ken") return void res.writeHead(401).end();
  const name = decodeURIComponent((req.url ?? "").replace(/^\/keys\/?/, ""));
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    if (req.url === "/health") return void res.writeHead(200).end();
    if (req.url === "/keys" && req.method === "GET")
      return void res.writeHead(200).end(JSON.stringify([...store.keys()]));
    const current = store.get(name);
    if (req.method === "GET") {
      if (!current) return void res.writeHead(404).end();
      return void res
        .writeHead(200)
        .end(JSON.stringify({ value: current.value, etag: String(current.etag) }));
    }
    if (req.method === "PUT") {
      if (req.headers["if-none-match"] === "*" && current) return void res.writeHead(412).end();
      if (req.headers["if-match"] && req.headers["if-match"] !== String(current?.etag))
        return void res.writeHead(412).end();
      const etag = ++etags;
      store.set(name, { value: (JSON.parse(body) as { value: string }).value, etag });
      return void res.writeHead(200, { etag: String(etag) }).end();
    }
    if (req.method === "DELETE") return void res.writeHead(store.delete(name) ? 204 : 404).end();
    res.writeHead(405).end();
  });
});

let url = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the README's third-party provider example", () => {
  it("works through the manager", async () => {
    const provider = createProvider({
      env: { ACME_KV_URL: url, ACME_KV_TOKEN: "t0ken" },
      cwd: ".",
      logger: silentLogger,
      timeoutMs: 10_000,
    });
    const manager = new SecretManager({ provider });
    expect((await manager.checkProvider()).ok).toBe(true);
    await manager.setSecret("API_KEY", "k1", { ifAbsent: true });
    await expect(manager.setSecret("API_KEY", "k2", { ifAbsent: true })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    expect(await manager.getSecret("API_KEY")).toBe("k1");
    expect(await manager.listSecrets()).toEqual(["API_KEY"]);
    expect(await manager.deleteSecret("API_KEY")).toBe(true);
    expect(await manager.getSecret("API_KEY")).toBeUndefined();
  });

  it("reports missing configuration with the spec's message", () => {
    expect(() => createProvider({ env: {}, cwd: ".", logger: silentLogger, timeoutMs: 10_000 })).toThrow(
      ProviderNotConfiguredError,
    );
    expect(() => createProvider({ env: {}, cwd: ".", logger: silentLogger, timeoutMs: 10_000 })).toThrow(
      "Secret provider 'acme-kv' not configured: set ACME_KV_URL and ACME_KV_TOKEN",
    );
  });

  it("maps a rejected token to an authentication error", async () => {
    const provider = createProvider({
      env: { ACME_KV_URL: url, ACME_KV_TOKEN: "wrong" },
      cwd: ".",
      logger: silentLogger,
      timeoutMs: 10_000,
    });
    const result = await new SecretManager({ provider }).checkProvider();
    expect(result.error?.message).toBe("Acme KV authentication failed: token rejected");
  });
});

describe("the README", () => {
  it("shows the example file verbatim, so the two cannot drift", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("../examples/third-party-provider.ts", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
