import http from "node:http";
import type { Socket } from "node:net";

/** What the proxy does with one request. */
export type Fault =
  | { kind: "pass" }
  | { kind: "status"; status: number; errors?: string[] }
  | { kind: "stall" }
  | { kind: "reset" };

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

  constructor(target: string) {
    this.#target = new URL(target);
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.on("connection", (socket: Socket) => {
      this.connections++;
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
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
  }

  async stop(): Promise<void> {
    for (const res of this.#stalled) res.destroy();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
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
        case "pass":
          this.#forward(req, Buffer.concat(chunks), res);
      }
    });
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
