/**
 * What a `HostileProxy` has seen: requests (and their place on their socket),
 * connections accepted and closed, and the requests `hang` held.
 */
import type { Socket } from "node:net";
import type { HungRequest, HungSockets, ProxiedRequest, RequestCounts } from "./types.js";

export class ProxyCounts {
  readonly #keyOf: (request: ProxiedRequest) => string;
  /** Closes are counted only while the proxy runs, not those `stop` causes. */
  readonly #running: () => boolean;
  readonly #hungSockets = new Set<Socket>();
  readonly #requestsOnSocket = new WeakMap<Socket, number>();
  #hung: Array<{ key: string; closed: boolean; requestsOnSocket: number }> = [];
  #connections = 0;
  #closedConnections = 0;
  #requests: ProxiedRequest[] = [];

  constructor(keyOf: (request: ProxiedRequest) => string, running: () => boolean) {
    this.#keyOf = keyOf;
    this.#running = running;
  }

  connectionOpened(): void {
    this.#connections++;
  }

  connectionClosed(): void {
    if (this.#running()) this.#closedConnections++;
  }

  /** Record a request; returns the how-manieth request on its socket it is. */
  request(request: ProxiedRequest, socket: Socket): number {
    this.#requests.push(request);
    const onSocket = (this.#requestsOnSocket.get(socket) ?? 0) + 1;
    this.#requestsOnSocket.set(socket, onSocket);
    return onSocket;
  }

  /** Record a request `hang` holds, and watch for the client closing its socket. */
  hung(request: ProxiedRequest, socket: Socket, requestsOnSocket: number): void {
    const entry = { key: this.#keyOf(request), closed: false, requestsOnSocket };
    this.#hung.push(entry);
    this.#hungSockets.add(socket);
    socket.once("close", () => {
      this.#hungSockets.delete(socket);
      if (this.#running()) entry.closed = true;
    });
  }

  get requests(): readonly ProxiedRequest[] {
    return this.#requests;
  }

  get connections(): number {
    return this.#connections;
  }

  get closedConnections(): number {
    return this.#closedConnections;
  }

  countRequests(): RequestCounts {
    const requests = [...this.#requests];
    const byKey: Record<string, number> = Object.create(null);
    for (const request of requests) {
      const key = this.#keyOf(request);
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

  hungSockets(): HungSockets {
    const hung = this.#hung.length;
    const closedByClient = this.#hung.filter((r) => r.closed).length;
    return { hung, closedByClient, open: this.#hungSockets.size };
  }

  get hungRequests(): readonly HungRequest[] {
    return this.#hung.map((r) => ({ ...r }));
  }

  async waitForHungClosed(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.hungSockets().closedByClient < count) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${this.hungSockets().closedByClient} of ${count} hung sockets were closed by the client within ${timeoutMs} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Forget requests, connection counts and hung requests (not the sockets still open). */
  reset(): void {
    this.#requests = [];
    this.#connections = 0;
    this.#closedConnections = 0;
    this.#hung = [];
  }
}
