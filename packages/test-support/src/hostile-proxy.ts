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
  /** The path with its query, as sent. */
  readonly url: string;
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
  /**
   * Answer `status` (307 default) with `Location: to` + the request's path and query
   * (`keepPath: false`: `to` as it is, which may be a path on the proxy itself).
   */
  | { kind: "redirect"; to: string; status?: number; keepPath?: boolean }
  /**
   * Pass the request on, then answer `status` (Vault 500, AWS 400 by default) with a
   * body in the backend's error shape that echoes the upstream answer, the request
   * body and the request's headers. For AWS, `shape` picks the answer: `json` (a
   * ValidationException), `html` (a 502 gateway page), `type` (the secret value as
   * the error's type).
   */
  | { kind: "echo"; status?: number; shape?: "json" | "html" | "type" }
  /**
   * Answer `status` with `body`; without `body`, an error in the backend's shape:
   * Vault's `{"errors": errors}`, AWS's `{"__type": type, "message": message}`
   * (with `x-amzn-ErrorType: type`).
   */
  | {
      kind: "status";
      status: number;
      body?: string;
      headers?: Record<string, string>;
      /** Vault: the `errors` list (default one short phrase). */
      errors?: readonly string[];
      /** AWS: the error's name (default `ValidationException`). */
      type?: string;
      message?: string;
    }
  /** Pass the request on and change a successful (200) JSON answer before the client sees it. */
  | { kind: "rewrite"; change: (body: Record<string, unknown>) => Record<string, unknown> }
  /** Run `run`, then pass the request on (to make a race happen on cue); a 502 when it fails. */
  | { kind: "before"; run: () => Promise<void> }
  /**
   * Hold requests, grouped by `key(body)`, until `count` of a group have arrived
   * (or `timeoutMs`, default 60 s, passed); then pass the whole group on at once.
   */
  | { kind: "hold"; count: number; key: (body: string) => string; timeoutMs?: number };

/** Which requests a rule applies to: a predicate, or request keys (see `keyOf`). */
export type RequestMatcher = ((request: ProxiedRequest) => boolean) | string | readonly string[];

export interface RuleOptions {
  /** Apply to this many matching requests (after `after`), then let them fall through to the next rule. */
  times?: number;
  /** Let this many matching requests fall through first (e.g. so a kept-alive socket is reused). */
  after?: number;
}

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

/** One request held by `hang`. */
export interface HungRequest {
  /** The request's key (see `keyOf`). */
  readonly key: string;
  /** Whether the client has closed its socket yet. */
  readonly closed: boolean;
  /** The how-manieth request on its connection it was (above 1: a kept-alive socket was reused). */
  readonly requestsOnSocket: number;
}

interface Rule {
  readonly mode: ProxyMode;
  readonly when: ((request: ProxiedRequest) => boolean) | undefined;
  readonly times: number | undefined;
  readonly after: number;
  matched: number;
  /** `hold`: the groups waiting, by key. */
  readonly groups: Map<string, Array<() => void>>;
}

type Answer = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

const HOP_BY_HOP = new Set(["connection", "keep-alive"]);

export class HostileProxy {
  readonly #target: URL;
  readonly #flavor: BackendFlavor;
  #rules: Rule[] = [];
  #queue: ProxyMode[] = [];
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #hungSockets = new Set<Socket>();
  readonly #requestsOnSocket = new WeakMap<Socket, number>();
  #hung: Array<{ key: string; closed: boolean; requestsOnSocket: number }> = [];
  #connections = 0;
  #closedConnections = 0;
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
      socket.on("close", () => {
        this.#sockets.delete(socket);
        if (this.#server) this.#closedConnections++;
      });
      if (this.#queue.length === 0 && this.#connectionMode().kind === "refuse") socket.resetAndDestroy();
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
    this.#releaseHeld();
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
    this.#releaseHeld();
    this.#queue = [];
    this.#rules = [this.#rule(mode, when, options)];
    return this;
  }

  /** Add a rule that takes precedence over the ones already set. */
  also(mode: ProxyMode, when: RequestMatcher, options: RuleOptions = {}): this {
    this.#rules.unshift(this.#rule(mode, when, options));
    return this;
  }

  /** The next requests, whatever they are, get these modes in order (before any rule applies). */
  next(...modes: ProxyMode[]): this {
    this.#queue.push(...modes);
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

  /** TCP connections closed (by either side) since the last reset. */
  get closedConnections(): number {
    return this.#closedConnections;
  }

  /** TCP connections open right now. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** Requests waiting in a `hold` group. */
  get held(): number {
    let n = 0;
    for (const rule of this.#rules) for (const group of rule.groups.values()) n += group.length;
    return n;
  }

  resetCounts(): this {
    this.#requests = [];
    this.#connections = 0;
    this.#closedConnections = 0;
    this.#hung = [];
    return this;
  }

  hungSockets(): HungSockets {
    const hung = this.#hung.length;
    const closedByClient = this.#hung.filter((r) => r.closed).length;
    return { hung, closedByClient, open: this.#hungSockets.size };
  }

  /** Each request held by `hang` since the last reset, in order. */
  get hungRequests(): readonly HungRequest[] {
    return this.#hung.map((r) => ({ ...r }));
  }

  /** Resolves once `count` hung requests' sockets have been closed by the client; rejects after `timeoutMs`. */
  async waitForHungClosed(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.hungSockets().closedByClient < count) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${this.hungSockets().closedByClient} of ${count} hung sockets were closed by the client within ${timeoutMs} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  #rule(mode: ProxyMode, when: RequestMatcher | undefined, options: RuleOptions): Rule {
    let match: ((request: ProxiedRequest) => boolean) | undefined;
    if (typeof when === "function") match = when;
    else if (typeof when === "string") match = (request) => this.keyOf(request) === when;
    else if (when !== undefined) {
      const keys = new Set<string>(when as readonly string[]);
      match = (request) => keys.has(this.keyOf(request));
    }
    return {
      mode,
      when: match,
      times: options.times,
      after: options.after ?? 0,
      matched: 0,
      groups: new Map(),
    };
  }

  /** The mode of a plain rule that applies to every connection (`refuse` resets them on accept). */
  #connectionMode(): ProxyMode {
    const first = this.#rules[0];
    return first && !first.when && first.times === undefined && first.after === 0
      ? first.mode
      : { kind: "forward" };
  }

  #modeFor(request: ProxiedRequest): { mode: ProxyMode; rule: Rule | undefined } {
    const queued = this.#queue.shift();
    if (queued) return { mode: queued, rule: undefined };
    for (const rule of this.#rules) {
      if (rule.when && !rule.when(request)) continue;
      rule.matched++;
      if (rule.matched <= rule.after) continue;
      if (rule.times !== undefined && rule.matched > rule.after + rule.times) continue;
      return { mode: rule.mode, rule };
    }
    return { mode: { kind: "forward" }, rule: undefined };
  }

  #releaseHeld(): void {
    for (const rule of this.#rules) {
      const groups = [...rule.groups.values()];
      rule.groups.clear();
      for (const group of groups) for (const release of group) release();
    }
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
    this.#requests.push(info);
    const socket = req.socket;
    const onSocket = (this.#requestsOnSocket.get(socket) ?? 0) + 1;
    this.#requestsOnSocket.set(socket, onSocket);
    const { mode, rule } = this.#modeFor(info);
    switch (mode.kind) {
      case "refuse":
        socket.resetAndDestroy();
        return;
      case "hang": {
        const entry = { key: this.keyOf(info), closed: false, requestsOnSocket: onSocket };
        this.#hung.push(entry);
        this.#hungSockets.add(socket);
        socket.once("close", () => {
          this.#hungSockets.delete(socket);
          if (this.#server) entry.closed = true;
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
        const body = mode.body ?? this.#errorBody(mode);
        res.writeHead(mode.status, {
          ...this.#errorHeaders(mode.type),
          "content-length": Buffer.byteLength(body),
          ...mode.headers,
        });
        res.end(body);
        return;
      }
      case "before":
        this.#withBody(req, res, (r, s, body) =>
          mode.run().then(
            () => this.#forward(r, s, body, mode),
            () => {
              s.writeHead(502, { "content-length": "0" });
              s.end();
            },
          ),
        );
        return;
      case "hold":
        this.#withBody(req, res, (r, s, body) => this.#hold(rule, mode, r, s, body));
        return;
      case "echo":
      case "rewrite":
      case "forward":
        this.#withBody(req, res, (r, s, body) => this.#forward(r, s, body, mode));
    }
  }

  #withBody(req: IncomingMessage, res: ServerResponse, then: Answer): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => then(req, res, Buffer.concat(chunks)));
    req.on("error", () => res.destroy());
  }

  #hold(
    rule: Rule | undefined,
    mode: Extract<ProxyMode, { kind: "hold" }>,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ): void {
    const go = () => this.#forward(req, res, body, { kind: "forward" });
    if (!rule) {
      go();
      return;
    }
    const key = mode.key(body.toString("utf8"));
    let group = rule.groups.get(key);
    if (!group) {
      const created: Array<() => void> = [];
      group = created;
      rule.groups.set(key, created);
      // Never hold a group for ever: a client that did not come must fail the test, not hang it.
      setTimeout(() => {
        if (rule.groups.get(key) !== created) return;
        rule.groups.delete(key);
        for (const release of created) release();
      }, mode.timeoutMs ?? 60_000).unref();
    }
    group.push(go);
    if (group.length >= mode.count) {
      rule.groups.delete(key);
      for (const release of group) release();
    }
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
        if (mode.kind === "echo" || (mode.kind === "rewrite" && answer.statusCode === 200)) {
          const parts: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => parts.push(chunk));
          answer.on("end", () => {
            const text = Buffer.concat(parts).toString("utf8");
            if (mode.kind === "echo") this.#echo(req, res, body.toString("utf8"), text, mode);
            else if (mode.kind === "rewrite") this.#rewrite(res, answer.headers, text, mode.change);
          });
          return;
        }
        // The proxy keeps its own connections alive, whatever the server says about its own.
        const headers: IncomingHttpHeaders = Object.create(null);
        for (const [name, value] of Object.entries(answer.headers))
          if (!HOP_BY_HOP.has(name)) headers[name] = value;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-length": "0" });
      res.end();
    });
    upstream.end(body);
  }

  #rewrite(
    res: ServerResponse,
    headers: IncomingHttpHeaders,
    text: string,
    change: (body: Record<string, unknown>) => Record<string, unknown>,
  ): void {
    const changed = JSON.stringify(change(JSON.parse(text) as Record<string, unknown>));
    const out: IncomingHttpHeaders = Object.create(null);
    for (const [name, value] of Object.entries(headers))
      if (!HOP_BY_HOP.has(name) && !["content-encoding", "x-amz-crc32", "transfer-encoding"].includes(name))
        out[name] = value;
    out["content-length"] = String(Buffer.byteLength(changed));
    res.writeHead(200, out);
    res.end(changed);
  }

  /** An error answer whose every field repeats what was sent and what the server answered. */
  #echo(
    req: IncomingMessage,
    res: ServerResponse,
    sent: string,
    answered: string,
    mode: Extract<ProxyMode, { kind: "echo" }>,
  ): void {
    const headers = JSON.stringify(req.headers);
    const echoed = [answered, sent, headers].join(" | ");
    if (this.#flavor === "vault") {
      const token = String(req.headers["x-vault-token"] ?? "");
      // The phrases Vault puts around what it repeats, so allow-lists are tried too.
      const text = JSON.stringify({
        errors: [
          echoed,
          sent,
          `1 error occurred:\n\t* ${sent}\n\n`,
          `permission denied: ${answered}`,
          answered,
          `invalid token ${token}`,
          `error performing token check: ${token}`,
        ],
        data: { request: sent, answer: answered, token },
      });
      res.writeHead(mode.status ?? 500, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
      });
      res.end(text);
      return;
    }
    const shape = mode.shape ?? "json";
    let value = "";
    for (const json of [answered, sent]) {
      try {
        const parsed = JSON.parse(json) as { SecretString?: unknown };
        if (typeof parsed.SecretString === "string") value = parsed.SecretString;
      } catch {
        // Not JSON: the raw text is echoed anyway.
      }
    }
    const text =
      shape === "html"
        ? `<html><head><title>502 Bad Gateway</title></head><body><pre>${echoed}</pre></body></html>`
        : JSON.stringify({
            __type: shape === "type" ? value || echoed : "ValidationException",
            message: `1 validation error detected: Value '${value}' at 'secretString' failed to satisfy constraint; request ${echoed}`,
            Message: echoed,
            Value: value,
          });
    const out: Record<string, string | number> = {
      "content-type": shape === "html" ? "text/html" : "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": /^[\x20-\x7e]{1,200}$/.test(value) ? value : "hostile-proxy",
    };
    if (shape === "json") out["x-amzn-errortype"] = "ValidationException";
    res.writeHead(mode.status ?? (shape === "html" ? 502 : 400), out);
    res.end(text);
  }

  #errorBody(mode: Extract<ProxyMode, { kind: "status" }>): string {
    if (this.#flavor === "aws") {
      const type = mode.type ?? "ValidationException";
      return JSON.stringify({ __type: type, message: mode.message ?? `${type} (injected)` });
    }
    return JSON.stringify({ errors: mode.errors ?? [mode.message ?? "injected failure"] });
  }

  #errorHeaders(type: string | undefined): Record<string, string> {
    return this.#flavor === "aws"
      ? {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-errortype": type ?? "ValidationException",
          "x-amzn-requestid": "hostile-proxy",
        }
      : { "content-type": "application/json" };
  }
}
