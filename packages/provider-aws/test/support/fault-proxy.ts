import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** An error answer in the shape AWS JSON services use. */
export interface Fault {
  /** The error name, sent as `__type` and `x-amzn-ErrorType`. */
  type: string;
  message?: string;
  /** HTTP status; AWS uses 400 for client errors, so most faults keep it. */
  status?: number;
  /** Answer this many matching requests with the fault, then pass them through (default: all). */
  times?: number;
}

/**
 * A fault-injection HTTP proxy in front of moto: requests pass through, except
 * the operations given a fault, which are answered with an AWS-style error.
 * It counts the requests it sees by operation (`X-Amz-Target`).
 */
export class FaultProxy {
  readonly #target: URL;
  readonly #faults = new Map<string, Fault & { used: number }>();
  readonly #rewrites = new Map<string, (body: Record<string, unknown>) => Record<string, unknown>>();
  readonly #hooks = new Map<string, () => Promise<void>>();
  readonly #gates = new Map<
    string,
    { count: number; key: (body: string) => string; timeoutMs: number; held: Map<string, Array<() => void>> }
  >();
  readonly seen = new Map<string, number>();
  readonly bodies: string[] = [];
  #server: Server | undefined;
  endpoint = "";

  constructor(target: string) {
    this.#target = new URL(target);
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const target = String(req.headers["x-amz-target"] ?? "");
        const operation = target.slice(target.indexOf(".") + 1);
        this.seen.set(operation, (this.seen.get(operation) ?? 0) + 1);
        this.bodies.push(body.toString("utf8"));
        const fault = this.#faults.get(operation);
        if (fault && (fault.times === undefined || fault.used < fault.times)) {
          fault.used++;
          const payload = JSON.stringify({
            __type: fault.type,
            message: fault.message ?? `${fault.type} (injected)`,
          });
          res.writeHead(fault.status ?? 400, {
            "content-type": "application/x-amz-json-1.1",
            "x-amzn-errortype": fault.type,
            "x-amzn-requestid": "fault-proxy",
            "content-length": Buffer.byteLength(payload),
          });
          res.end(payload);
          return;
        }
        const gate = this.#gates.get(operation);
        if (gate) {
          const key = gate.key(body.toString("utf8"));
          let waiting = gate.held.get(key);
          if (!waiting) {
            const group: Array<() => void> = [];
            waiting = group;
            gate.held.set(key, group);
            // Never hold a group for ever: a client that did not come must fail the test, not hang it.
            setTimeout(() => {
              if (gate.held.get(key) !== group) return;
              gate.held.delete(key);
              for (const release of group) release();
            }, gate.timeoutMs).unref();
          }
          waiting.push(() => this.#forward(req, res, body, operation));
          if (waiting.length >= gate.count) {
            gate.held.delete(key);
            for (const release of waiting) release();
          }
          return;
        }
        const hook = this.#hooks.get(operation);
        this.#hooks.delete(operation);
        (hook ?? (async () => undefined))().then(
          () => this.#forward(req, res, body, operation),
          (error: unknown) => {
            res.writeHead(502);
            res.end(String(error));
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  #forward(req: IncomingMessage, res: ServerResponse, body: Buffer, operation: string): void {
    const upstream = request(
      {
        hostname: this.#target.hostname,
        port: this.#target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.#target.host },
      },
      (answer) => {
        const rewrite = this.#rewrites.get(operation);
        if (!rewrite || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        answer.on("data", (c: Buffer) => parts.push(c));
        answer.on("end", () => {
          const text = JSON.stringify(rewrite(JSON.parse(Buffer.concat(parts).toString("utf8"))));
          const headers: Record<string, unknown> = {
            ...answer.headers,
            "content-length": String(Buffer.byteLength(text)),
          };
          delete headers["content-encoding"];
          delete headers["x-amz-crc32"];
          res.writeHead(200, headers as Record<string, string>);
          res.end(text);
        });
      },
    );
    upstream.on("error", (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    upstream.end(body);
  }

  /** Answer `operation` (e.g. `GetSecretValue`) with `fault`. */
  fail(operation: string, fault: Fault): this {
    this.#faults.set(operation, { ...fault, used: 0 });
    return this;
  }

  /** Pass `operation` through, but change moto's successful answer before the client sees it. */
  rewrite(operation: string, change: (body: Record<string, unknown>) => Record<string, unknown>): this {
    this.#rewrites.set(operation, change);
    return this;
  }

  /** Run `hook` once, before the next `operation` request is passed on (to make a race happen on cue). */
  before(operation: string, hook: () => Promise<void>): this {
    this.#hooks.set(operation, hook);
    return this;
  }

  /**
   * Hold `operation` requests, grouped by `key(body)`, until `count` of a group
   * have arrived (or `timeoutMs` passed); then pass the whole group on at once (to make them race).
   */
  hold(operation: string, count: number, key: (body: string) => string, timeoutMs = 60_000): this {
    this.#gates.set(operation, { count, key, timeoutMs, held: new Map() });
    return this;
  }

  /** Requests still held by `hold`. */
  get held(): number {
    let n = 0;
    for (const gate of this.#gates.values()) for (const waiting of gate.held.values()) n += waiting.length;
    return n;
  }

  clear(): this {
    for (const gate of this.#gates.values())
      for (const waiting of gate.held.values()) for (const go of waiting) go();
    this.#gates.clear();
    this.#faults.clear();
    this.#hooks.clear();
    this.#rewrites.clear();
    this.seen.clear();
    this.bodies.length = 0;
    return this;
  }

  count(operation: string): number {
    return this.seen.get(operation) ?? 0;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
