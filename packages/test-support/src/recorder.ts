/**
 * A loopback server that records every request reaching it (method, URL,
 * headers, body) and answers a fixed status, to prove what was — or was not — sent.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RecorderOptions {
  /** Status of every answer (default 200). */
  status?: number;
  /** Body of every answer (default `{}`). */
  body?: string;
}

export class Recorder {
  readonly #options: RecorderOptions;
  readonly #requests: RecordedRequest[] = [];
  readonly #sockets = new Set<Socket>();
  #connections = 0;
  #server: Server | undefined;
  #url = "";

  constructor(options: RecorderOptions = {}) {
    this.#options = options;
  }

  get url(): string {
    if (!this.#url) throw new Error("the recorder is not started");
    return this.#url;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.#requests.push({
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        const body = this.#options.body ?? "{}";
        res.writeHead(this.#options.status ?? 200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        });
        res.end(body);
      });
    });
    server.on("connection", (socket: Socket) => {
      this.#connections++;
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
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

  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /** TCP connections accepted (a client may connect and send nothing). */
  get connections(): number {
    return this.#connections;
  }

  /** Recorded requests whose URL, headers or body contain `needle`. */
  carrying(needle: string): RecordedRequest[] {
    return this.#requests.filter(
      (r) => r.url.includes(needle) || r.body.includes(needle) || JSON.stringify(r.headers).includes(needle),
    );
  }

  reset(): void {
    this.#requests.length = 0;
    this.#connections = 0;
  }
}
