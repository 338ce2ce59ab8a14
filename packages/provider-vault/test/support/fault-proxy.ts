import http from "node:http";
import type { Socket } from "node:net";

/** What the proxy does with one request. */
export type Fault =
  | { kind: "pass" }
  | { kind: "status"; status: number; errors?: string[] }
  | { kind: "stall" }
  | { kind: "reset" }
  /** Answer `status` with a `Location` header (absolute, or a path on this proxy). */
  | { kind: "redirect"; status: number; location: string }
  /**
   * A server that echoes what it was given: the request passes to the real
   * server, and the answer is `status` with every byte seen (request body,
   * token header, the real server's answer) as Vault-style error strings.
   */
  | { kind: "echo"; status: number };

/**
 * A loopback HTTP proxy in front of the real OpenBao server that injects
 * faults: a status instead of the server's answer, no answer at all, or a
 * dropped connection. Requests with no fault queued pass through.
 */
export class FaultProxy {
  readonly #target: URL;
  readonly #server: http.Server;
  readonly #faults: Fault[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #stalled: http.ServerResponse[] = [];
  /** Requests seen, as `METHOD path`. */
  readonly requests: string[] = [];
  /** TCP connections accepted. */
  connections = 0;
  /** TCP connections closed (by either side). */
  closed = 0;
  /** Answer nothing, ever, to any request (on new and kept-alive connections alike). */
  hang = false;

  constructor(target: string) {
    this.#target = new URL(target);
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.on("connection", (socket: Socket) => {
      this.connections++;
      this.#sockets.add(socket);
      socket.on("close", () => {
        this.closed++;
        this.#sockets.delete(socket);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  /** Queue faults for the next requests, in order. */
  inject(...faults: Fault[]): void {
    this.#faults.push(...faults);
  }

  reset(): void {
    this.#faults.length = 0;
    this.requests.length = 0;
    this.connections = 0;
    this.closed = 0;
    this.hang = false;
  }

  /** Connections open right now. */
  get open(): number {
    return this.#sockets.size;
  }

  async stop(): Promise<void> {
    for (const res of this.#stalled) res.destroy();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    if (this.hang) {
      this.#stalled.push(res);
      return;
    }
    const fault = this.#faults.shift() ?? { kind: "pass" };
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      switch (fault.kind) {
        case "status": {
          const body = JSON.stringify({ errors: fault.errors ?? [] });
          res.writeHead(fault.status, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          });
          res.end(body);
          return;
        }
        case "stall":
          this.#stalled.push(res);
          return;
        case "reset":
          req.socket.destroy();
          return;
        case "redirect":
          res.writeHead(fault.status, { location: fault.location, "content-length": 0 });
          res.end();
          return;
        case "echo":
          this.#echo(req, Buffer.concat(chunks), res, fault.status);
          return;
        case "pass":
          this.#forward(req, Buffer.concat(chunks), res);
      }
    });
  }

  #echo(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, status: number): void {
    this.#upstream(req, body, (answer) => {
      const sent = body.toString("utf8");
      const token = String(req.headers["x-vault-token"] ?? "");
      const echoed = JSON.stringify({
        errors: [
          sent,
          `1 error occurred:\n\t* ${sent}\n\n`,
          `permission denied: ${answer}`,
          answer,
          `invalid token ${token}`,
          `error performing token check: ${token}`,
        ],
        data: { request: sent, answer, token },
      });
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(echoed),
      });
      res.end(echoed);
    });
  }

  /** Send the request to the real server and hand over its whole answer as text. */
  #upstream(req: http.IncomingMessage, body: Buffer, done: (answer: string) => void): void {
    const upstream = http.request(
      {
        host: this.#target.hostname,
        port: this.#target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.#target.host },
        agent: false,
      },
      (answer) => {
        const parts: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => parts.push(chunk));
        answer.on("end", () => done(Buffer.concat(parts).toString("utf8")));
      },
    );
    upstream.on("error", () => done(""));
    upstream.end(body);
  }

  #forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const upstream = http.request(
      {
        host: this.#target.hostname,
        port: this.#target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.#target.host },
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    upstream.end(body);
  }
}

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A loopback server that stands for "another host": it records every request
 * (headers and body included) and answers 200 with a Vault-shaped body of its
 * own, so a client that follows a redirect to it would see that answer.
 */
export class Recorder {
  readonly #server: http.Server;
  readonly requests: Recorded[] = [];
  /** TCP connections accepted: a client that never came has 0. */
  connections = 0;
  /** What the recorder claims a secret is. */
  static readonly VALUE = "value-from-the-other-host";

  constructor() {
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.requests.push({
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        const body = JSON.stringify({
          data: {
            data: { value: Recorder.VALUE },
            metadata: { version: 1, created_time: new Date().toISOString() },
          },
        });
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.end(body);
      });
    });
    this.#server.on("connection", () => {
      this.connections++;
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
