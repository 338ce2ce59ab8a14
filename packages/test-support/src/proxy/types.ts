/** The shapes a `HostileProxy` is driven and read through. */
import type { IncomingHttpHeaders } from "node:http";

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
  /**
   * Answer `status` (200 default) in AWS's JSON content type with a chunked body:
   * `head`, then `chunk` (16 KiB of `a` by default) over and over (every `everyMs`, or as fast as the client
   * reads when 0 or unset) until `limit` bytes of chunks were sent (never, when
   * unset: an endless body), then `tail`. Stops when the client closes its socket.
   * The request is not passed on. `headers` are added to (or replace) the default ones,
   * e.g. a `location` for a redirect whose body never ends.
   */
  | {
      kind: "drip";
      status?: number;
      headers?: Record<string, string>;
      head?: string;
      chunk?: string;
      everyMs?: number;
      limit?: number;
      tail?: string;
    }
  /**
   * Pass the request on and change a successful (200) JSON answer before the client sees it;
   * with `request`, change the JSON request body first (what the server sees).
   */
  | {
      kind: "rewrite";
      change: (body: Record<string, unknown>) => Record<string, unknown>;
      request?: (body: Record<string, unknown>) => Record<string, unknown>;
    }
  /**
   * Pass the request on, and once the server has answered, reset the client's
   * connection instead of answering: the request was applied, its answer lost.
   */
  | { kind: "lose-answer" }
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
  /** Requests for which `predicate` holds. */
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

/** The answers `drip` gave. */
export interface DripAnswers {
  /** Answers started. */
  readonly answers: number;
  /** Of those, the ones whose socket the client closed before the body ended. */
  readonly closedByClient: number;
  /** Body bytes written, over all answers. */
  readonly bytes: number;
}

/** The key a request is counted and matched under: the AWS operation, else method and path. */
export function requestKey(flavor: BackendFlavor, request: ProxiedRequest): string {
  return flavor === "aws" && request.operation ? request.operation : `${request.method} ${request.path}`;
}
