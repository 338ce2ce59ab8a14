/**
 * The harness itself, against a small loopback upstream: every proxy mode,
 * request and connection counts, hung sockets closed by the client, the
 * recorder, and the leak finder.
 */
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { findLeaks, HostileProxy, Recorder } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

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

  it("drip with headers: a redirect whose body never ends, until the client closes", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "vault" }).start();
    try {
      proxy.set({ kind: "drip", status: 307, headers: { location: "/v1/elsewhere" }, everyMs: 5 });
      const seen = await new Promise<{ status: number; location: unknown; bytes: number }>(
        (resolve, reject) => {
          const req = request(`${proxy.url}/v1/x`, { agent: false }, (res) => {
            let bytes = 0;
            res.on("data", (chunk: Buffer) => {
              bytes += chunk.length;
              // Past 64 KB it has not ended: let go.
              if (bytes > 64 * 1024) {
                res.destroy();
                resolve({ status: res.statusCode ?? 0, location: res.headers.location, bytes });
              }
            });
            res.on("end", () => reject(new Error("the endless body ended")));
          });
          req.on("error", reject);
          req.end();
        },
      );
      expect(seen).toMatchObject({ status: 307, location: "/v1/elsewhere" });
      await proxy.waitForDripClosed(1, 5000);
      expect(proxy.dripped()).toMatchObject({ answers: 1, closedByClient: 1 });
    } finally {
      await proxy.stop();
    }
  });

  it("lose-answer passes the request on and resets the connection instead of answering", async () => {
    let reached = 0;
    const counting = createServer((req, res) => {
      reached++;
      req.resume();
      req.on("end", () => res.end("{}"));
    });
    await new Promise<void>((resolve) => counting.listen(0, "127.0.0.1", resolve));
    const proxy = await new HostileProxy({
      target: `http://127.0.0.1:${(counting.address() as AddressInfo).port}`,
      flavor: "vault",
    }).start();
    try {
      proxy.set({ kind: "lose-answer" }, "POST /v1/write", { times: 1 });
      await expect(call(`${proxy.url}/v1/write`, { method: "POST", body: "{}" })).rejects.toMatchObject({
        code: "ECONNRESET",
      });
      expect(reached).toBe(1);
      expect((await call(`${proxy.url}/v1/write`, { method: "POST", body: "{}" })).status).toBe(200);
      expect(reached).toBe(2);
    } finally {
      await proxy.stop();
      await new Promise<void>((resolve) => counting.close(() => resolve()));
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

describe("HostileProxy: queues, counted rules and the AWS test modes", () => {
  it("next(...) gives the next requests their modes in order, before any rule", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "vault" }).start();
    try {
      proxy.set({ kind: "status", status: 418 });
      proxy.next({ kind: "status", status: 502, errors: ["one", "two"] }, { kind: "forward" });
      const first = await call(`${proxy.url}/v1/a?q=1`);
      expect(first.status).toBe(502);
      expect(JSON.parse(first.body)).toEqual({ errors: ["one", "two"] });
      expect((await call(`${proxy.url}/v1/a`)).status).toBe(200);
      expect((await call(`${proxy.url}/v1/a`)).status).toBe(418);
      expect(proxy.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        "GET /v1/a?q=1",
        "GET /v1/a",
        "GET /v1/a",
      ]);
      // set() drops what is still queued.
      proxy.next({ kind: "status", status: 500 }).forward();
      expect((await call(`${proxy.url}/v1/a`)).status).toBe(200);
    } finally {
      await proxy.stop();
    }
  });

  it("a rule on request keys with times and after applies to exactly those requests", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "aws" }).start();
    try {
      const target = (op: string) => ({ "x-amz-target": `secretsmanager.${op}` });
      proxy.forward().also({ kind: "status", status: 400, type: "ThrottlingException" }, "GetSecretValue", {
        times: 2,
        after: 1,
      });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await call(proxy.url, { method: "POST", headers: target("GetSecretValue") })).status);
      expect(statuses).toEqual([200, 400, 400, 200]);
      const other = await call(proxy.url, { method: "POST", headers: target("ListSecrets") });
      expect(other.status).toBe(200);
      proxy.also({ kind: "status", status: 400, type: "AccessDeniedException", message: "no" }, [
        "ListSecrets",
      ]);
      const denied = await call(proxy.url, { method: "POST", headers: target("ListSecrets") });
      expect(JSON.parse(denied.body)).toEqual({ __type: "AccessDeniedException", message: "no" });
      expect(denied.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
      expect(proxy.countRequests().byKey).toEqual({ GetSecretValue: 4, ListSecrets: 2 });
    } finally {
      await proxy.stop();
    }
  });

  it("rewrite changes a successful JSON answer; before runs its hook first", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "aws" }).start();
    try {
      proxy.set({ kind: "rewrite", change: (body) => ({ ...body, Extra: 1 }) });
      const changed = await call(proxy.url, { method: "POST", body: "{}" });
      expect(JSON.parse(changed.body)).toEqual({ data: { value: "UPSTREAM-SECRET" }, Extra: 1 });
      expect(changed.headers["content-length"]).toBe(String(Buffer.byteLength(changed.body)));
      const order: string[] = [];
      proxy.set(
        {
          kind: "before",
          run: async () => {
            order.push("hook");
          },
        },
        () => true,
        { times: 1 },
      );
      await call(proxy.url, { method: "POST", body: "{}" });
      order.push("answered");
      await call(proxy.url, { method: "POST", body: "{}" });
      expect(order).toEqual(["hook", "answered"]);
    } finally {
      await proxy.stop();
    }
  });

  it("drip sends a body a piece at a time up to its limit, or without end until the client closes", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "aws" }).start();
    try {
      proxy.set({ kind: "drip", status: 500, head: "[", chunk: "ab", everyMs: 5, limit: 6, tail: "]" });
      const dripped = await call(proxy.url, { method: "POST", body: "{}" });
      expect(dripped).toMatchObject({ status: 500, body: "[ababab]" });
      expect(proxy.dripped()).toEqual({ answers: 1, closedByClient: 0, bytes: 8 });

      proxy.resetCounts().set({ kind: "drip" });
      const controller = new AbortController();
      const endless = new Promise<number>((resolve, reject) => {
        const req = request(proxy.url, { method: "POST", agent: false, signal: controller.signal }, (res) => {
          let received = 0;
          res.on("data", (c: Buffer) => {
            received += c.length;
            if (received > 1_000_000) {
              controller.abort();
              resolve(received);
            }
          });
        });
        req.on("error", () => undefined);
        req.end("{}");
        setTimeout(() => reject(new Error("the endless body ended")), 20_000).unref();
      });
      expect(await endless).toBeGreaterThan(1_000_000);
      await proxy.waitForDripClosed(1, 5000);
      expect(proxy.dripped()).toMatchObject({ answers: 1, closedByClient: 1 });
      expect(proxy.dripped().bytes).toBeGreaterThan(1_000_000);
    } finally {
      await proxy.stop();
    }
  });

  it("rewrite with request changes the JSON request body the server sees, and its length", async () => {
    const recorder = await new Recorder({ status: 200, body: "{}" }).start();
    const proxy = await new HostileProxy({ target: recorder.url, flavor: "aws" }).start();
    try {
      proxy.set({
        kind: "rewrite",
        change: (body) => body,
        request: ({ NextToken: _dropped, ...rest }) => ({ ...rest, Added: true }),
      });
      await call(proxy.url, { method: "POST", body: JSON.stringify({ NextToken: "t", Kept: 1 }) });
      const seen = recorder.requests[0];
      expect(JSON.parse(seen?.body ?? "")).toEqual({ Kept: 1, Added: true });
      expect(seen?.headers["content-length"]).toBe(String(Buffer.byteLength(seen?.body ?? "")));
    } finally {
      await proxy.stop();
      await recorder.stop();
    }
  });

  it("hold lets a group go only once it is complete", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "aws" }).start();
    try {
      proxy.set({ kind: "hold", count: 3, key: (body) => body });
      const a = [
        call(proxy.url, { method: "POST", body: "A" }),
        call(proxy.url, { method: "POST", body: "A" }),
      ];
      const b = call(proxy.url, { method: "POST", body: "B" });
      await vi.waitFor(() => expect(proxy.held).toBe(3));
      a.push(call(proxy.url, { method: "POST", body: "A" }));
      expect((await Promise.all(a)).map((r) => r.status)).toEqual([200, 200, 200]);
      expect(proxy.held).toBe(1);
      proxy.forward(); // releases what is still held
      expect((await b).status).toBe(200);
      expect(proxy.held).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it("lists hung requests with their place on the socket, and counts open and closed connections", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "vault" }).start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      proxy.set({ kind: "hang" }, "GET /v1/x", { after: 1 });
      await call(`${proxy.url}/v1/x`, { agent });
      await vi.waitFor(() => expect(proxy.openConnections).toBe(1));
      const controller = new AbortController();
      const pending = call(`${proxy.url}/v1/x`, { agent, signal: controller.signal });
      await vi.waitFor(() => expect(proxy.hungRequests).toHaveLength(1));
      expect(proxy.hungRequests).toEqual([{ key: "GET /v1/x", closed: false, requestsOnSocket: 2 }]);
      controller.abort();
      await expect(pending).rejects.toThrow();
      await vi.waitFor(() => expect(proxy.openConnections).toBe(0));
      expect(proxy.hungRequests[0]?.closed).toBe(true);
      expect(proxy.connections).toBe(1);
      expect(proxy.closedConnections).toBe(1);
    } finally {
      agent.destroy();
      await proxy.stop();
    }
  });

  it("echo for AWS answers each shape: json, an HTML gateway page, the value as the type", async () => {
    const proxy = await new HostileProxy({ target: upstreamUrl, flavor: "aws" }).start();
    try {
      const body = JSON.stringify({ SecretString: "SENT-VALUE" });
      proxy.set({ kind: "echo", shape: "html" });
      const html = await call(proxy.url, { method: "POST", body });
      expect(html.status).toBe(502);
      expect(html.body).toContain("SENT-VALUE");
      expect(html.headers["x-amzn-errortype"]).toBeUndefined();
      proxy.set({ kind: "echo", shape: "type" });
      const typed = await call(proxy.url, { method: "POST", body });
      expect(typed.status).toBe(400);
      expect(JSON.parse(typed.body).__type).toBe("SENT-VALUE");
      expect(typed.headers["x-amzn-requestid"]).toBe("SENT-VALUE");
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
