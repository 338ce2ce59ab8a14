/**
 * Error answers in a backend's own shape: Vault's `{"errors": [...]}` or AWS's
 * `{"__type", "message"}` with its headers. `echo` repeats everything it saw in
 * them; `status` injects a plain one.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BackendFlavor, ProxyMode } from "./types.js";

/** An error answer whose every field repeats what was sent and what the server answered. */
export function echoAnswer(
  flavor: BackendFlavor,
  req: IncomingMessage,
  res: ServerResponse,
  sent: string,
  answered: string,
  mode: Extract<ProxyMode, { kind: "echo" }>,
): void {
  const headers = JSON.stringify(req.headers);
  const echoed = [answered, sent, headers].join(" | ");
  if (flavor === "vault") {
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

/** The `status` mode's answer: its `body`, else an error in the backend's shape. */
export function statusAnswer(
  flavor: BackendFlavor,
  res: ServerResponse,
  mode: Extract<ProxyMode, { kind: "status" }>,
): void {
  const body = mode.body ?? errorBody(flavor, mode);
  res.writeHead(mode.status, {
    ...errorHeaders(flavor, mode.type),
    "content-length": Buffer.byteLength(body),
    ...mode.headers,
  });
  res.end(body);
}

function errorBody(flavor: BackendFlavor, mode: Extract<ProxyMode, { kind: "status" }>): string {
  if (flavor === "aws") {
    const type = mode.type ?? "ValidationException";
    return JSON.stringify({ __type: type, message: mode.message ?? `${type} (injected)` });
  }
  return JSON.stringify({ errors: mode.errors ?? [mode.message ?? "injected failure"] });
}

function errorHeaders(flavor: BackendFlavor, type: string | undefined): Record<string, string> {
  return flavor === "aws"
    ? {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-errortype": type ?? "ValidationException",
        "x-amzn-requestid": "hostile-proxy",
      }
    : { "content-type": "application/json" };
}
