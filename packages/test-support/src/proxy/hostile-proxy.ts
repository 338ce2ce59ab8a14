/**
 * A loopback HTTP proxy in front of a real server whose behaviour can be
 * switched while a test runs: pass requests on, reset connections, hang,
 * redirect elsewhere, answer errors that echo what it saw, inject a status,
 * drip a body slowly or without end, or lose an answer after the server acted.
 * It counts requests and connections, and knows which hung sockets the client closed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ProxyCounts } from "./counts.js";
import { DripCounts } from "./drip.js";
import { statusAnswer } from "./error-answers.js";
import { forward, type Upstream, withBody } from "./forward.js";
import { hold, ProxyRules } from "./rules.js";
import {
  type DripAnswers,
  type HostileProxyOptions,
  type HungRequest,
  type HungSockets,
  type ProxiedRequest,
  type ProxyMode,
  type RequestCounts,
  type RequestMatcher,
  type RuleOptions,
  requestKey,
} from "./types.js";

export class HostileProxy {
  readonly #upstream: Upstream;
  readonly #rules = new ProxyRules((request) => this.keyOf(request));
  readonly #counts = new ProxyCounts(
    (request) => this.keyOf(request),
    () => this.#server !== undefined,
  );
  readonly #drips = new DripCounts();
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #url = "";

  constructor(options: HostileProxyOptions) {
    this.#upstream = { target: new URL(options.target), flavor: options.flavor };
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
      this.#counts.connectionOpened();
      this.#sockets.add(socket);
      socket.on("close", () => {
        this.#sockets.delete(socket);
        this.#counts.connectionClosed();
      });
      if (this.#rules.refusesConnections()) socket.resetAndDestroy();
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
    this.#rules.releaseHeld();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /**
   * Switch behaviour. With `when`, only matching requests get `mode`; the rest keep
   * whatever earlier rules say (forward when none). `set` replaces all rules, drops
   * the `next` queue and lets every held request go on.
   */
  set(mode: ProxyMode, when?: RequestMatcher, options: RuleOptions = {}): this {
    this.#rules.set(mode, when, options);
    return this;
  }

  /** Add a rule that takes precedence over the ones already set. */
  also(mode: ProxyMode, when: RequestMatcher, options: RuleOptions = {}): this {
    this.#rules.also(mode, when, options);
    return this;
  }

  /** The next requests, whatever they are, get these modes in order (before any rule applies). */
  next(...modes: ProxyMode[]): this {
    this.#rules.next(modes);
    return this;
  }

  forward(): this {
    return this.set({ kind: "forward" });
  }

  /** Requests seen since the last `resetCounts()`. */
  countRequests(): RequestCounts {
    return this.#counts.countRequests();
  }

  /** The key a request is counted under. */
  keyOf(request: ProxiedRequest): string {
    return requestKey(this.#upstream.flavor, request);
  }

  /** Every request seen since the last reset, in order. */
  get requests(): readonly ProxiedRequest[] {
    return this.#counts.requests;
  }

  /** TCP connections accepted since the last reset. */
  get connections(): number {
    return this.#counts.connections;
  }

  /** TCP connections closed (by either side) since the last reset. */
  get closedConnections(): number {
    return this.#counts.closedConnections;
  }

  /** TCP connections open right now. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** Requests waiting in a `hold` group. */
  get held(): number {
    return this.#rules.held;
  }

  resetCounts(): this {
    this.#counts.reset();
    this.#drips.reset();
    return this;
  }

  /** The answers `drip` gave since the last reset. */
  dripped(): DripAnswers {
    return this.#drips.answers;
  }

  /** Resolves once the client has closed `count` sockets `drip` was answering on; rejects after `timeoutMs`. */
  async waitForDripClosed(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#drips.answers.closedByClient < count) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${this.#drips.answers.closedByClient} of ${count} dripping sockets were closed by the client within ${timeoutMs} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  hungSockets(): HungSockets {
    return this.#counts.hungSockets();
  }

  /** Each request held by `hang` since the last reset, in order. */
  get hungRequests(): readonly HungRequest[] {
    return this.#counts.hungRequests;
  }

  /** Resolves once `count` hung requests' sockets have been closed by the client; rejects after `timeoutMs`. */
  async waitForHungClosed(count: number, timeoutMs = 30_000): Promise<void> {
    await this.#counts.waitForHungClosed(count, timeoutMs);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const target = String(req.headers["x-amz-target"] ?? "");
    const info: ProxiedRequest = {
      method: req.method ?? "GET",
      path: url.split("?")[0] ?? url,
      url,
      operation: target.slice(target.indexOf(".") + 1),
      headers: req.headers,
    };
    const socket = req.socket;
    const onSocket = this.#counts.request(info, socket);
    const { mode, rule } = this.#rules.modeFor(info);
    const upstream = this.#upstream;
    switch (mode.kind) {
      case "refuse":
        socket.resetAndDestroy();
        return;
      case "hang":
        this.#counts.hung(info, socket, onSocket);
        req.resume();
        return;
      case "redirect": {
        const location = mode.keepPath === false ? mode.to : new URL(url, mode.to).toString();
        req.resume();
        res.writeHead(mode.status ?? 307, { location, "content-length": "0" });
        res.end();
        return;
      }
      case "drip":
        this.#drips.answer(req, res, mode, () => this.#server !== undefined);
        return;
      case "status":
        req.resume();
        statusAnswer(upstream.flavor, res, mode);
        return;
      case "before":
        withBody(req, res, (r, s, body) =>
          mode.run().then(
            () => forward(upstream, r, s, body, mode),
            () => {
              s.writeHead(502, { "content-length": "0" });
              s.end();
            },
          ),
        );
        return;
      case "hold":
        withBody(req, res, (r, s, body) =>
          hold(rule, mode, body, () => forward(upstream, r, s, body, { kind: "forward" })),
        );
        return;
      case "echo":
      case "rewrite":
      case "lose-answer":
      case "forward":
        withBody(req, res, (r, s, body) => forward(upstream, r, s, body, mode));
    }
  }
}
