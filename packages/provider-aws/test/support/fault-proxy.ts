import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

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

/** How `echo` answers. */
export interface Echo {
  kind: "json" | "html" | "type";
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
  readonly #echoes = new Map<string, Echo>();
  readonly #redirects = new Map<string, { status: number; location: string }>();
  #hang: { operations: Set<string> | "all"; after: number; seen: number } | undefined;
  readonly seen = new Map<string, number>();
  readonly bodies: string[] = [];
  /** Connections accepted, and how many of them are closed (by either side). */
  connections = 0;
  closedConnections = 0;
  /** Requests held open by `hang`, and how many of their sockets were closed since. */
  hung = 0;
  hungClosed = 0;
  /** Each request held by `hang`, by operation, and whether its socket is closed yet. */
  readonly hungRequests: Array<{ operation: string; closed: boolean; requestsOnSocket: number }> = [];
  readonly #requestsOnSocket = new WeakMap<Socket, number>();
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
        const onSocket = (this.#requestsOnSocket.get(req.socket) ?? 0) + 1;
        this.#requestsOnSocket.set(req.socket, onSocket);
        const hang = this.#hang;
        if (
          hang &&
          (hang.operations === "all" || hang.operations.has(operation)) &&
          hang.seen++ >= hang.after
        ) {
          // Accept and read the request, then never answer; note when the client gives up the socket.
          this.hung++;
          const entry = { operation, closed: false, requestsOnSocket: onSocket };
          this.hungRequests.push(entry);
          req.socket.once("close", () => {
            this.hungClosed++;
            entry.closed = true;
          });
          return;
        }
        const redirect = this.#redirects.get(operation);
        if (redirect) {
          const payload = "<html><body>Moved</body></html>";
          res.writeHead(redirect.status, {
            location: `${redirect.location}${req.url ?? "/"}`,
            "content-type": "text/html",
            "content-length": Buffer.byteLength(payload),
          });
          res.end(payload);
          return;
        }
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
    server.on("connection", (socket: Socket) => {
      this.connections++;
      socket.once("close", () => {
        this.closedConnections++;
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  #forward(req: IncomingMessage, res: ServerResponse, body: Buffer, operation: string): void {
    const echo = this.#echoes.get(operation);
    const upstream = request(
      {
        hostname: this.#target.hostname,
        port: this.#target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.#target.host },
      },
      (answer) => {
        if (echo) {
          const parts: Buffer[] = [];
          answer.on("data", (c: Buffer) => parts.push(c));
          answer.on("end", () =>
            this.#echo(res, echo, body.toString("utf8"), Buffer.concat(parts).toString("utf8")),
          );
          return;
        }
        const rewrite = this.#rewrites.get(operation);
        if (!rewrite || answer.statusCode !== 200) {
          // The proxy keeps its own connections alive, whatever moto says about its own.
          const { connection: _connection, "keep-alive": _keepAlive, ...headers } = answer.headers;
          res.writeHead(answer.statusCode ?? 502, headers);
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

  /** Answer with an error whose every field repeats what was sent and what moto answered. */
  #echo(res: ServerResponse, echo: Echo, sent: string, answered: string): void {
    const both = `${sent} ${answered}`;
    let value = "";
    try {
      const parsed = JSON.parse(answered) as { SecretString?: unknown };
      if (typeof parsed.SecretString === "string") value = parsed.SecretString;
    } catch {
      // Not JSON: the raw text is echoed anyway.
    }
    try {
      const parsed = JSON.parse(sent) as { SecretString?: unknown };
      if (typeof parsed.SecretString === "string") value = parsed.SecretString;
    } catch {
      // idem
    }
    const payload =
      echo.kind === "html"
        ? `<html><head><title>502 Bad Gateway</title></head><body><pre>${both}</pre></body></html>`
        : JSON.stringify({
            __type: echo.kind === "type" ? value || both : "ValidationException",
            message: `1 validation error detected: Value '${value}' at 'secretString' failed to satisfy constraint; request ${both}`,
            Message: both,
            Value: value,
          });
    const headers: Record<string, string | number> = {
      "content-type": echo.kind === "html" ? "text/html" : "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(payload),
      "x-amzn-requestid": /^[\x20-\x7e]{1,200}$/.test(value) ? value : "echo-proxy-request",
    };
    if (echo.kind !== "html") if (echo.kind === "json") headers["x-amzn-errortype"] = "ValidationException";
    res.writeHead(echo.kind === "html" ? 502 : 400, headers);
    res.end(payload);
  }

  /**
   * Pass `operation` on to moto, then answer with an error (400 ValidationException,
   * `kind: "html"` a 502 gateway page, `kind: "type"` the value as the error's type)
   * that repeats the request body and moto's answer, values included.
   */
  echo(operation: string, echo: Echo = { kind: "json" }): this {
    this.#echoes.set(operation, echo);
    return this;
  }

  /** Answer `operation` with a redirect (`status`, e.g. 307) to `location` (plus the request path). */
  redirect(operation: string, status: number, location: string): this {
    this.#redirects.set(operation, { status, location });
    return this;
  }

  /**
   * Accept requests (for `operations`, or all) and never answer them, after
   * `after` of them were answered normally (so a kept-alive socket is reused).
   */
  hang(operations: readonly string[] | "all" = "all", after = 0): this {
    this.#hang = { operations: operations === "all" ? "all" : new Set(operations), after, seen: 0 };
    return this;
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
    this.#echoes.clear();
    this.#redirects.clear();
    this.#hang = undefined;
    this.hung = 0;
    this.hungClosed = 0;
    this.hungRequests.length = 0;
    this.connections = 0;
    this.closedConnections = 0;
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

/** An HTTP server that only records what reaches it: the target of a redirect. */
export class Recorder {
  readonly requests: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> =
    [];
  connections = 0;
  #server: Server | undefined;
  endpoint = "";

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.requests.push({
          method: req.method ?? "",
          url: req.url ?? "",
          headers: { ...req.headers },
          body: Buffer.concat(chunks).toString("utf8"),
        });
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end("{}");
      });
    });
    server.on("connection", () => {
      this.connections++;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
