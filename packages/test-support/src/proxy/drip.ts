/**
 * The `drip` mode's answer: a body sent a piece at a time, slowly or without
 * end, and a count of the clients that gave up on it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DripAnswers, ProxyMode } from "./types.js";

type Drip = Extract<ProxyMode, { kind: "drip" }>;

export class DripCounts {
  #answers = 0;
  #closedByClient = 0;
  #bytes = 0;

  get answers(): DripAnswers {
    return { answers: this.#answers, closedByClient: this.#closedByClient, bytes: this.#bytes };
  }

  reset(): void {
    this.#answers = 0;
    this.#closedByClient = 0;
    this.#bytes = 0;
  }

  /** Answer `res` as `mode` says; `running` tells a close by the client from one by `stop`. */
  answer(req: IncomingMessage, res: ServerResponse, mode: Drip, running: () => boolean): void {
    this.#answers++;
    req.resume();
    const chunk = Buffer.from(mode.chunk ?? "a".repeat(16_384));
    const limit = mode.limit ?? Number.POSITIVE_INFINITY;
    let sent = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    res.socket?.once("close", () => {
      clearTimeout(timer);
      if (!done && running()) this.#closedByClient++;
      done = true;
    });
    res.writeHead(mode.status ?? 200, {
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-requestid": "hostile-proxy",
      ...mode.headers,
    });
    const write = (data: Buffer | string): boolean => {
      this.#bytes += Buffer.byteLength(data);
      return res.write(data);
    };
    write(mode.head ?? "");
    const step = (): void => {
      timer = undefined;
      while (!done) {
        if (sent >= limit) {
          done = true;
          if (mode.tail) write(mode.tail);
          res.end();
          return;
        }
        sent += chunk.length;
        const more = write(chunk);
        if (mode.everyMs) {
          timer = setTimeout(step, mode.everyMs);
          return;
        }
        if (!more) {
          res.once("drain", step);
          return;
        }
      }
    };
    step();
  }
}
