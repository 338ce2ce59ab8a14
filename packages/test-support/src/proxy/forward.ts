/**
 * Passing a request on to the real server and its answer back: as it is, or
 * read whole first for `echo` and `rewrite`.
 */
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { echoAnswer } from "./error-answers.js";
import type { BackendFlavor, ProxyMode } from "./types.js";

/** The real server behind the proxy. */
export interface Upstream {
  readonly target: URL;
  readonly flavor: BackendFlavor;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive"]);

/** Read the whole request body, then `then`; a request that fails destroys the answer. */
export function withBody(
  req: IncomingMessage,
  res: ServerResponse,
  then: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => then(req, res, Buffer.concat(chunks)));
  req.on("error", () => res.destroy());
}

/** Send the request with `body` upstream and answer from what comes back (a 502 when nothing does). */
export function forward(
  upstream: Upstream,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  mode: ProxyMode,
): void {
  const { target } = upstream;
  const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
  if (mode.kind === "rewrite" && mode.request) {
    body = Buffer.from(
      JSON.stringify(mode.request(JSON.parse(body.toString("utf8")) as Record<string, unknown>)),
    );
    headers["content-length"] = String(body.length);
  }
  const sent = httpRequest(
    {
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
    },
    (answer) => {
      if (mode.kind === "lose-answer") {
        // The server has acted on the request: the client never hears of it.
        answer.resume();
        answer.on("end", () => req.socket.resetAndDestroy());
        return;
      }
      if (mode.kind === "echo" || (mode.kind === "rewrite" && answer.statusCode === 200)) {
        const parts: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => parts.push(chunk));
        answer.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          if (mode.kind === "echo") echoAnswer(upstream.flavor, req, res, body.toString("utf8"), text, mode);
          else if (mode.kind === "rewrite") rewrite(res, answer.headers, text, mode.change);
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
  sent.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-length": "0" });
    res.end();
  });
  sent.end(body);
}

/** Answer 200 with the upstream JSON `text` after `change`, headers kept except those it invalidates. */
function rewrite(
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
