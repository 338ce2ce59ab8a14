/**
 * The harness itself, against a small loopback upstream: every proxy mode,
 * request and connection counts, hung sockets closed by the client, the
 * recorder, and the leak finder.
 */
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { findLeaks, HostileProxy, Recorder } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let upstream: Server;
let upstreamUrl = "";

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end(JSON.stringify({ data: { value: "UPSTREAM-SECRET" } })));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

function call(
  url: string,
  options: {
    method?: string;
    body?: string;
    agent?: Agent;
    signal?: AbortSignal;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        agent: options.agent ?? false,
        headers: options.headers ?? {},
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("HostileProxy", () => {
  it("forwards and counts requests by method and path, and connections", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "vault" }).start();
    try {
      await call(`${proxy.url}/v1/secret/data/A?x=1`);
      await call(`${proxy.url}/v1/secret/data/A`);
      const answer = await call(`${proxy.url}/v1/secret/data/B`, { method: "POST", body: "{}" });
      expect(answer.body).toContain("UPSTREAM-SECRET");
      const counts = proxy.countRequests();
      expect(counts.total).toBe(3);
      expect(counts.count("GET /v1/secret/data/A")).toBe(2);
      expect(counts.count("POST /v1/secret/data/", { prefix: true })).toBe(1);
      expect(Object.getPrototypeOf(counts.byKey)).toBeNull();
      expect(proxy.connections).toBe(3);
    } finally {
      await proxy.stop();
    }
  });

  it("counts AWS requests by X-Amz-Target operation", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "aws" }).start();
    try {
      const headers = { "x-amz-target": "secretsmanager.GetSecretValue" };
      await call(proxy.url, { method: "POST", body: "{}", headers });
      await call(proxy.url, { method: "POST", body: "{}", headers });
      expect(proxy.countRequests().count("GetSecretValue")).toBe(2);
    } finally {
      await proxy.stop();
    }
  });

  it("refuse resets the connection", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "vault" }).start();
    try {
      proxy.set({ kind: "refuse" });
      await expect(call(`${proxy.url}/v1/x`)).rejects.toMatchObject({
        code: expect.stringMatching(/ECONNRESET|EPIPE/),
      });
    } finally {
      await proxy.stop();
    }
  });

  it("hang holds requests on a kept-alive connection and sees the client close the socket", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "vault" }).start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await call(`${proxy.url}/v1/first`, { agent });
      proxy.set({ kind: "hang" });
      const controller = new AbortController();
      const pending = call(`${proxy.url}/v1/second`, { agent, signal: controller.signal });
      while (proxy.hungSockets().hung < 1) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(proxy.connections).toBe(1); // the second request came on the kept-alive socket
      expect(proxy.hungSockets()).toEqual({ hung: 1, closedByClient: 0, open: 1 });
      controller.abort();
      await expect(pending).rejects.toThrow();
      await proxy.waitForHungClosed(1, 5000);
      expect(proxy.hungSockets()).toEqual({ hung: 1, closedByClient: 1, open: 0 });
    } finally {
      agent.destroy();
      await proxy.stop();
    }
  });

  it("redirect answers the status with the target's URL and the request's path", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "vault" }).start();
    try {
      proxy.set({ kind: "redirect", to: "http://127.0.0.1:9/", status: 302 });
      const answer = await call(`${proxy.url}/v1/secret/data/A?v=2`);
      expect(answer.status).toBe(302);
      expect(answer.headers.location).toBe("http://127.0.0.1:9/v1/secret/data/A?v=2");
    } finally {
      await proxy.stop();
    }
  });

  it("echo answers an error in the backend's shape carrying the upstream answer and the request", async () => {
    const vault = await new HostileProxy({ target: upstreamUrl, flavor: "vault" }).start();
    const aws = await new HostileProxy({ target: upstreamUrl, flavor: "aws" }).start();
    try {
      vault.set({ kind: "echo" });
      aws.set({ kind: "echo" });
      const v = await call(`${vault.url}/v1/x`, {
        method: "POST",
        body: "REQUEST-BODY",
        headers: { "x-vault-token": "TOK" },
      });
      expect(v.status).toBe(500);
      const errors = (JSON.parse(v.body) as { errors: string[] }).errors;
      expect(errors.join()).toContain("UPSTREAM-SECRET");
      expect(errors.join()).toContain("REQUEST-BODY");
      expect(errors.join()).toContain("TOK");
      const a = await call(aws.url, { method: "POST", body: "REQUEST-BODY" });
      expect(a.status).toBe(400);
      expect(JSON.parse(a.body)).toMatchObject({ __type: "ValidationException" });
      expect(a.body).toContain("UPSTREAM-SECRET");
      expect(a.headers["x-amzn-errortype"]).toBe("ValidationException");
    } finally {
      await vault.stop();
      await aws.stop();
    }
  });

  it("status injects a status; rules with a matcher apply only to matching requests", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "vault" }).start();
    try {
      proxy.forward().also({ kind: "status", status: 503 }, (r) => r.method === "PUT");
      expect((await call(`${proxy.url}/v1/a`, { method: "PUT", body: "{}" })).status).toBe(503);
      expect((await call(`${proxy.url}/v1/a`)).status).toBe(200);
    } finally {
      await proxy.stop();
    }
  });
});

describe("Recorder", () => {
  it("records every request with headers and body", async () => {
    const recorder = await new Recorder({ status: 204, body: "" }).start();
    try {
      await call(`${recorder.url}/path?q=1`, {
        method: "PUT",
        body: "BODY",
        headers: { "x-token": "HEADER" },
      });
      expect(recorder.requests).toHaveLength(1);
      expect(recorder.requests[0]).toMatchObject({ method: "PUT", url: "/path?q=1", body: "BODY" });
      expect(recorder.carrying("HEADER")).toHaveLength(1);
      expect(recorder.carrying("absent")).toHaveLength(0);
    } finally {
      await recorder.stop();
    }
  });
});

describe("findLeaks", () => {
  it("finds a canary, a truncated copy and encoded copies, and names the canary, never its value", () => {
    const value = "CANARYVALUEabcdef0123456789abcdef0123456789";
    const leaks = findLeaks(
      {
        plain: `x ${value} y`,
        truncated: `x ${value.slice(0, 30)}…`,
        base64: Buffer.from(value).toString("base64"),
        url: encodeURIComponent(`${value}/`),
        clean: "nothing here",
      },
      { V: value, S: "ǂ" },
    );
    expect(leaks.map((l) => l.where).sort()).toEqual(["base64", "plain", "truncated", "url"]);
    expect(leaks.every((l) => !l.context.includes(value))).toBe(true);
    expect(findLeaks({ a: "ok ǂ" }, { S: "ǂ" })).toHaveLength(1);
  });
});
