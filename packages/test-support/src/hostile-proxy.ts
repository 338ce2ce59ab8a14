/**
 * A loopback HTTP proxy in front of a real server whose behaviour can be
 * switched while a test runs: pass requests on, reset connections, hang,
 * redirect elsewhere, answer errors that echo what it saw, or inject a status.
 * It counts requests and connections, and knows which hung sockets the client closed.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Which backend's error shape `echo` and `status` answers use. */
export type BackendFlavor = "vault" | "aws";

/** What the proxy saw of one request, for matchers and counts. */
export interface ProxiedRequest {
  readonly method: string;
  /** The path without its query. */
  readonly path: string;
  /** The AWS operation from `X-Amz-Target` (`GetSecretValue`), or `""`. */
  readonly operation: string;
  readonly headers: IncomingHttpHeaders;
}

export type ProxyMode =
  | { kind: "forward" }
  /** Reset every connection (and every request on one already open). */
  | { kind: "refuse" }
  /** Accept and never answer, also on kept-alive connections already open. */
  | { kind: "hang" }
  /** Answer `status` (307 default) with `Location: to` + the request's path and query. */
  | { kind: "redirect"; to: string; status?: 301 | 302 | 303 | 307 | 308; keepPath?: boolean }
  /**
   * Pass the request on, then answer `status` (Vault 500, AWS 400 by default) with a
   * body in the backend's error shape that echoes the upstream answer, the request
   * body and the request's headers.
   */
  | { kind: "echo"; status?: number }
  /** Answer `status` with `body` (default: a short error in the backend's shape). */
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> };

export interface HostileProxyOptions {
  /** The real server, e.g. `http://127.0.0.1:8200`. */
  target: string;
  flavor: BackendFlavor;
}

/** Request counts by key: `GET /v1/secret/data/NAME` for Vault, the operation (`GetSecretValue`) for AWS. */
export interface RequestCounts {
  readonly total: number;
  /** A null-prototype record: key → requests. */
  readonly byKey: Readonly<Record<string, number>>;
  /** Requests whose key equals `key`, or (with `prefix`) starts with it. */
  count(key: string, options?: { prefix?: boolean }): number;
  /** Requests with this method (Vault) whose path starts with `pathPrefix`. */
  countMatching(predicate: (request: ProxiedRequest) => boolean): number;
}

export interface HungSockets {
  /** Requests the proxy held without answering. */
  readonly hung: number;
  /** Of those, sockets the client closed (the proxy never closes a hung one before `stop`). */
  readonly closedByClient: number;
  readonly open: number;
}

interface Rule {
  mode: ProxyMode;
  when: ((request: ProxiedRequest) => boolean) | undefined;
}

export class HostileProxy {
  readonly #target: URL;
  readonly #flavor: BackendFlavor;
  #rules: Rule[] = [];
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #hungSockets = new Set<Socket>();
  #hungRequests = 0;
  #hungClosed = 0;
  #connections = 0;
  #requests: ProxiedRequest[] = [];
  #url = "";

  constructor(options: HostileProxyOptions) {
    this.#target = new URL(options.target);
    this.#flavor = options.flavor;
  }

  /** `http://127.0.0.1:<port>` of the proxy. */
  get url(): string {
    if (!this.#url) throw new Error("the proxy is not started");
    return this.#url;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.#handle(req, res));
    // Never let the proxy's own timers close a hung request: only the client may.
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.keepAliveTimeout = 60_000;
    server.on("connection", (socket: Socket) => {
      this.#connections++;
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
      if (this.#modeFor(undefined).kind === "refuse") socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /**
   * Switch behaviour. With `when`, only matching requests get `mode`; the rest keep
   * whatever earlier rules say (forward when none). `set` replaces all rules.
   */
  set(mode: ProxyMode, when?: (request: ProxiedRequest) => boolean): this {
    this.#rules = [{ mode, when }];
    return this;
  }

  /** Add a rule that takes precedence over the ones already set. */
  also(mode: ProxyMode, when: (request: ProxiedRequest) => boolean): this {
    this.#rules.unshift({ mode, when });
    return this;
  }

  forward(): this {
    return this.set({ kind: "forward" });
  }

  /** Requests seen since the last `resetCounts()`. */
  countRequests(): RequestCounts {
    const requests = [...this.#requests];
    const byKey: Record<string, number> = Object.create(null);
    for (const request of requests) {
      const key = this.keyOf(request);
      byKey[key] = (byKey[key] ?? 0) + 1;
    }
    return {
      total: requests.length,
      byKey,
      count: (key, options) =>
        Object.entries(byKey).reduce(
          (sum, [k, n]) => sum + ((options?.prefix ? k.startsWith(key) : k === key) ? n : 0),
          0,
        ),
      countMatching: (predicate) => requests.filter(predicate).length,
    };
  }

  /** The key a request is counted under. */
  keyOf(request: ProxiedRequest): string {
    return this.#flavor === "aws" && request.operation
      ? request.operation
      : `${request.method} ${request.path}`;
  }

  /** Every request seen since the last reset, in order. */
  get requests(): readonly ProxiedRequest[] {
    return this.#requests;
  }

  /** TCP connections accepted since the last reset. */
  get connections(): number {
    return this.#connections;
  }

  resetCounts(): void {
    this.#requests = [];
    this.#connections = 0;
    this.#hungRequests = 0;
    this.#hungClosed = 0;
  }

  hungSockets(): HungSockets {
    return { hung: this.#hungRequests, closedByClient: this.#hungClosed, open: this.#hungSockets.size };
  }

  /** Resolves once `count` hung requests' sockets have been closed by the client; rejects after `timeoutMs`. */
  async waitForHungClosed(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#hungClosed < count) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${this.#hungClosed} of ${count} hung sockets were closed by the client within ${timeoutMs} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  #modeFor(request: ProxiedRequest | undefined): ProxyMode {
    for (const rule of this.#rules) {
      if (!rule.when) return rule.mode;
      if (request && rule.when(request)) return rule.mode;
    }
    return { kind: "forward" };
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const target = String(req.headers["x-amz-target"] ?? "");
    const info: ProxiedRequest = {
      method: req.method ?? "GET",
      path: url.split("?")[0] ?? url,
      operation: target.slice(target.indexOf(".") + 1),
      headers: req.headers,
    };
    this.#requests.push(info);
    const mode = this.#modeFor(info);
    const socket = req.socket;
    switch (mode.kind) {
      case "refuse":
        socket.resetAndDestroy();
        return;
      case "hang": {
        this.#hungRequests++;
        this.#hungSockets.add(socket);
        socket.once("close", () => {
          this.#hungSockets.delete(socket);
          if (this.#server) this.#hungClosed++;
        });
        req.resume();
        return;
      }
      case "redirect": {
        const location = mode.keepPath === false ? mode.to : new URL(url, mode.to).toString();
        req.resume();
        res.writeHead(mode.status ?? 307, { location, "content-length": "0" });
        res.end();
        return;
      }
      case "status": {
        req.resume();
        const body = mode.body ?? this.#errorBody("injected failure");
        res.writeHead(mode.status, {
          ...this.#errorHeaders(),
          "content-length": Buffer.byteLength(body),
          ...mode.headers,
        });
        res.end(body);
        return;
      }
      case "echo":
      case "forward":
        this.#readBody(req).then(
          (body) => this.#forward(req, res, body, mode),
          () => res.destroy(),
        );
    }
  }

  #readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
  }

  #forward(req: IncomingMessage, res: ServerResponse, body: Buffer, mode: ProxyMode): void {
    const upstream = httpRequest(
      {
        hostname: this.#target.hostname,
        port: this.#target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.#target.host },
        agent: false,
      },
      (answer) => {
        if (mode.kind !== "echo") {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => parts.push(chunk));
        answer.on("end", () => {
          const echoed = [
            Buffer.concat(parts).toString("utf8"),
            body.toString("utf8"),
            JSON.stringify(req.headers),
          ].join(" | ");
          const text = this.#errorBody(echoed);
          res.writeHead(mode.status ?? (this.#flavor === "aws" ? 400 : 500), {
            ...this.#errorHeaders(),
            "content-length": Buffer.byteLength(text),
          });
          res.end(text);
        });
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-length": "0" });
      res.end();
    });
    upstream.end(body);
  }

  #errorBody(message: string): string {
    return this.#flavor === "aws"
      ? JSON.stringify({ __type: "ValidationException", message })
      : JSON.stringify({ errors: [message] });
  }

  #errorHeaders(): Record<string, string> {
    return this.#flavor === "aws"
      ? {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-errortype": "ValidationException",
          "x-amzn-requestid": "hostile-proxy",
        }
      : { "content-type": "application/json" };
  }
}
