/**
 * What the provider does when the server (or something posing as it) misbehaves:
 * redirects to other hosts, answers that echo what was sent, and no answer at all.
 * A loopback proxy in front of the real OpenBao server injects each fault.
 */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { silentLogger } from "@org/secrets-core";
import { ProviderError, ProviderUnavailableError } from "@org/secrets-core/provider";
import { HostileProxy, Recorder } from "@org/secrets-test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createProvider, VaultProvider, VaultRequestError } from "../src/index.js";
import { captureLogger, root, server, unique } from "./support/vault.js";

/** What the stand-in for "another host" answers: a Vault-shaped secret of its own. */
const OTHER_HOST_ANSWER = JSON.stringify({
  data: { data: { value: "value-from-the-other-host" }, metadata: { version: 1 } },
});

/** The requests a proxy saw, as `METHOD path?query`. */
function sent(p: HostileProxy): string[] {
  return p.requests.map((r) => `${r.method} ${r.url}`);
}

const { addr, token } = server();
const open: VaultProvider[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});
function keep<T extends VaultProvider>(p: T): T {
  open.push(p);
  return p;
}

const proxy = new HostileProxy({ target: addr, flavor: "vault" });
const other = new HostileProxy({ target: addr, flavor: "vault" });
const recorder = new Recorder({ body: OTHER_HOST_ANSWER });
let url = "";
let otherUrl = "";
let recorderUrl = "";
beforeAll(async () => {
  url = (await proxy.start()).url;
  otherUrl = (await other.start()).url;
  recorderUrl = (await recorder.start()).url;
});
afterAll(async () => {
  await proxy.stop();
  await other.stop();
  await recorder.stop();
});

/** A provider through the proxy that sends exactly the requests asked for: no detection, no token lookup. */
function provider(prefix: string, extra: ConstructorParameters<typeof VaultProvider>[0] = {}): VaultProvider {
  return keep(
    new VaultProvider({
      url,
      token,
      prefix,
      kvVersion: 2,
      renewToken: false,
      retryDelayMs: 5,
      maxRetries: 0,
      ...extra,
    }),
  );
}

async function stored(prefix: string, name: string): Promise<string | undefined> {
  const body = await root("GET", `secret/data/${prefix}/${name}`, undefined, { allow: [404] });
  return body?.data?.data?.value;
}

describe("redirects", () => {
  afterEach(() => {
    proxy.forward().resetCounts();
    other.forward().resetCounts();
    recorder.reset();
  });

  for (const status of [301, 302, 303, 307, 308]) {
    it(`a write answered ${status} towards another host fails, and that host gets nothing`, async () => {
      const prefix = unique("redir");
      const p = provider(prefix);
      proxy.next({
        kind: "redirect",
        keepPath: false,
        status,
        to: `${recorderUrl}/v1/secret/data/${prefix}/SECRET_KEY?token=query-secret-abc`,
      });
      const error = await p.set("SECRET_KEY", "value-never-sent-elsewhere").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      const message = (error as Error).message;
      expect(message).toBe(
        `Vault at ${url} redirected POST secret/data/${prefix}/SECRET_KEY (HTTP ${status}) to another origin, ${recorderUrl}, which is not allowed: no token or data was sent there. If it is a Vault node you trust (such as the active node of an HA cluster), add it to VAULT_REDIRECT_ALLOW`,
      );
      expect(message).not.toContain("query-secret-abc");
      expect(recorder.connections).toBe(0);
      expect(recorder.requests).toEqual([]);
      expect(proxy.requests).toHaveLength(1);
      expect(await stored(prefix, "SECRET_KEY")).toBeUndefined();
    });
  }

  for (const status of [302, 307]) {
    it(`a read answered ${status} towards another host fails instead of returning that host's answer`, async () => {
      const prefix = unique("redir-read");
      await root("POST", `secret/data/${prefix}/SECRET_KEY`, { data: { value: "the-real-value" } });
      const p = provider(prefix);
      proxy.next({
        kind: "redirect",
        keepPath: false,
        status,
        to: `${recorderUrl}/v1/secret/data/${prefix}/SECRET_KEY`,
      });
      const error = await p.get("SECRET_KEY").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toContain(`to another origin, ${recorderUrl}, which is not allowed`);
      expect(recorder.connections).toBe(0);
      // The next read, without a redirect, sees the real value.
      expect((await p.get("SECRET_KEY"))?.value).toBe("the-real-value");
    });
  }

  for (const status of [307, 308]) {
    it(`a write answered ${status} on the same origin is repeated there, with its body`, async () => {
      const prefix = unique("same");
      const p = provider(prefix);
      proxy.next({ kind: "redirect", keepPath: false, status, to: `/v1/secret/data/${prefix}/SECRET_KEY` });
      await p.set("SECRET_KEY", "followed-same-origin");
      expect(sent(proxy)).toEqual([
        `POST /v1/secret/data/${prefix}/SECRET_KEY`,
        `POST /v1/secret/data/${prefix}/SECRET_KEY`,
      ]);
      expect(await stored(prefix, "SECRET_KEY")).toBe("followed-same-origin");
    });
  }

  it("a read answered 302 on the same origin is followed", async () => {
    const prefix = unique("same-read");
    await root("POST", `secret/data/${prefix}/SECRET_KEY`, { data: { value: "read-after-302" } });
    const p = provider(prefix);
    proxy.next({
      kind: "redirect",
      keepPath: false,
      status: 302,
      to: `${url}/v1/secret/data/${prefix}/SECRET_KEY`,
    });
    expect((await p.get("SECRET_KEY"))?.value).toBe("read-after-302");
    expect(proxy.requests).toHaveLength(2);
  });

  for (const status of [301, 302, 303]) {
    it(`a write answered ${status} on the same origin is refused: it would be re-sent without its body`, async () => {
      const prefix = unique("drop-body");
      const p = provider(prefix);
      proxy.next({ kind: "redirect", keepPath: false, status, to: `/v1/secret/data/${prefix}/SECRET_KEY` });
      await expect(p.set("SECRET_KEY", "never-written")).rejects.toThrow(
        `redirected POST secret/data/${prefix}/SECRET_KEY (HTTP ${status}) and the redirect was not followed (HTTP ${status} redirect of POST would drop the request body)`,
      );
      expect(proxy.requests).toHaveLength(1);
      expect(await stored(prefix, "SECRET_KEY")).toBeUndefined();
    });
  }

  it("stops after 5 redirects", async () => {
    const prefix = unique("loop");
    const p = provider(prefix);
    const hop = {
      kind: "redirect" as const,
      keepPath: false,
      status: 307,
      to: `/v1/secret/data/${prefix}/SECRET_KEY`,
    };
    proxy.next(hop, hop, hop, hop, hop, hop, hop);
    await expect(p.get("SECRET_KEY")).rejects.toThrow(/more than 5 redirects/);
    expect(proxy.requests).toHaveLength(6);
  });

  it("an allowed origin (redirectAllow) is followed with the token and the body", async () => {
    const prefix = unique("allowed");
    const p = provider(prefix, { redirectAllow: [otherUrl] });
    proxy.next({
      kind: "redirect",
      keepPath: false,
      status: 307,
      to: `${otherUrl}/v1/secret/data/${prefix}/SECRET_KEY`,
    });
    await p.set("SECRET_KEY", "written-via-the-allowed-node");
    expect(sent(other)).toEqual([`POST /v1/secret/data/${prefix}/SECRET_KEY`]);
    expect(await stored(prefix, "SECRET_KEY")).toBe("written-via-the-allowed-node");
    // Allowing one origin allows no other.
    proxy.next({
      kind: "redirect",
      keepPath: false,
      status: 307,
      to: `${recorderUrl}/v1/secret/data/${prefix}/SECRET_KEY`,
    });
    await expect(p.set("SECRET_KEY", "second")).rejects.toThrow(/which is not allowed/);
    expect(recorder.connections).toBe(0);
  });

  it("VAULT_REDIRECT_ALLOW allows origins from the environment", async () => {
    const prefix = unique("allowed-env");
    const p = keep(
      await createProvider({
        env: {
          VAULT_URL: url,
          VAULT_TOKEN: token,
          VAULT_PATH_PREFIX: prefix,
          VAULT_REDIRECT_ALLOW: `https://vault-9.internal:8200,${otherUrl}`,
        },
        cwd: process.cwd(),
        logger: silentLogger,
      }),
    );
    proxy.forward().resetCounts();
    proxy.next({
      kind: "redirect",
      keepPath: false,
      status: 308,
      to: `${otherUrl}/v1/secret/data/${prefix}/SECRET_KEY`,
    });
    await p.set("SECRET_KEY", "env-allowed");
    expect(sent(other)).toEqual([`POST /v1/secret/data/${prefix}/SECRET_KEY`]);
    expect(await stored(prefix, "SECRET_KEY")).toBe("env-allowed");
  });
});

/** Every text an error offers, down its cause chain. */
function texts(error: unknown): string[] {
  const out: string[] = [inspect(error, { depth: 20, showHidden: true })];
  for (let e: unknown = error, i = 0; e && i < 10; e = (e as { cause?: unknown }).cause, i++) {
    const err = e as Error;
    out.push(String(err.message), String(err.stack), JSON.stringify(err));
    if (e instanceof VaultRequestError) out.push(JSON.stringify(e.errors));
  }
  return out;
}

function expectClean(error: unknown, secrets: string[]): void {
  expect(error).toBeInstanceOf(Error);
  for (const text of texts(error)) for (const secret of secrets) expect(text.includes(secret)).toBe(false);
}

const SHORT_ALPHABET = "☃✓§¤ǂ¶Ω";
const values = [
  randomBytes(75_000).toString("base64"), // 100 000 characters
  ...Array.from({ length: 7 }, (_, i) => SHORT_ALPHABET.slice(0, i + 1)),
];

describe("answers that echo the request or the secret never reach an error", () => {
  afterEach(() => proxy.forward().resetCounts());

  for (const value of values) {
    it(`write of a ${value.length}-character value answered with an echo`, async () => {
      const prefix = unique("echo");
      const { logger, lines } = captureLogger();
      const p = provider(prefix, { logger });
      for (const status of [500, 400, 403, 503]) {
        proxy.next({ kind: "echo", status });
        const error = await p.set("SECRET_KEY", value).catch((e: unknown) => e);
        expectClean(error, [value, token]);
        const cause = (error as Error).cause as VaultRequestError;
        expect(cause).toBeInstanceOf(VaultRequestError);
        expect(cause.status).toBe(status);
        // Only the allow-listed phrases survive, in our spelling.
        for (const phrase of cause.errors) expect(["permission denied"]).toContain(phrase);
      }
      for (const line of lines) {
        expect(line.includes(value)).toBe(false);
        expect(line.includes(token)).toBe(false);
      }
    });

    it(`read of a ${value.length}-character value answered with an echo`, async () => {
      const prefix = unique("echo-read");
      await root("POST", `secret/data/${prefix}/SECRET_KEY`, { data: { value } });
      const p = provider(prefix);
      for (const status of [500, 400, 403]) {
        proxy.next({ kind: "echo", status });
        const error = await p.get("SECRET_KEY").catch((e: unknown) => e);
        expectClean(error, [value, token]);
      }
      expect((await p.get("SECRET_KEY"))?.value).toBe(value);
    });
  }

  it("an AppRole login answered with an echo of the role id and secret id", async () => {
    const mount = unique("approle-echo");
    await root("POST", `sys/auth/${mount}`, { type: "approle" });
    await root("POST", `auth/${mount}/role/app`, { token_policies: ["default"] });
    const roleId = (await root("GET", `auth/${mount}/role/app/role-id`)).data.role_id as string;
    const secretId = (await root("POST", `auth/${mount}/role/app/secret-id`, {})).data.secret_id as string;
    for (const status of [400, 403, 500]) {
      const p = provider(unique("approle-echo"), {
        token: undefined,
        auth: { method: "approle", roleId, secretId, mount },
      });
      proxy.next({ kind: "echo", status });
      const error = await p.check().catch((e: unknown) => e);
      expectClean(error, [roleId, secretId]);
      expect((error as Error).message).toMatch(
        status === 500
          ? /answered HTTP 500/
          : new RegExp(
              `^Vault authentication failed: (HTTP ${status}|invalid token) \\(AppRole login at auth/${mount}\\)$`,
            ),
      );
    }
  });

  it("a 500 with an echo, retried, names the status and the attempts only", async () => {
    const prefix = unique("echo-retry");
    const p = provider(prefix, { maxRetries: 2 });
    proxy.next({ kind: "echo", status: 500 }, { kind: "echo", status: 502 }, { kind: "echo", status: 500 });
    const error = await p.set("SECRET_KEY", "echoed-value-xyz").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toBe(
      `Vault at ${url} answered HTTP 500 for POST secret/data/${prefix}/SECRET_KEY (after 3 attempts)`,
    );
    expectClean(error, ["echoed-value-xyz", token]);
  });
});

describe("a server that accepts connections and never answers", () => {
  afterEach(() => proxy.forward().resetCounts());

  it("a read with a signal ends when the signal fires, and its kept-alive socket is closed", async () => {
    const prefix = unique("hang");
    const p = provider(prefix, { timeoutMs: 120_000, maxRetries: 3 });
    const connectionsBefore = proxy.connections;
    await p.set("SECRET_KEY", "before-the-hang");
    expect(proxy.connections - connectionsBefore).toBe(1);
    await vi.waitFor(() => expect(proxy.openConnections).toBe(1), { timeout: 5_000 });
    proxy.set({ kind: "hang" });
    const sent = proxy.requests.length;
    const closedBefore = proxy.closedConnections;
    const error = await p.get("SECRET_KEY", { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(
      /did not answer GET secret\/data\/.*\/SECRET_KEY before the caller's deadline$/,
    );
    expect(proxy.requests.length - sent).toBe(1);
    // The request went out on the kept-alive connection, and aborting it closed that socket.
    expect(proxy.connections - connectionsBefore).toBe(1);
    await vi.waitFor(() => expect(proxy.openConnections).toBe(0), { timeout: 5_000 });
    expect(proxy.closedConnections - closedBefore).toBe(1);
  }, 15_000);

  it("a write with a signal ends when it fires, on a fresh connection too", async () => {
    const p = provider(unique("hang-write"), { timeoutMs: 120_000 });
    proxy.set({ kind: "hang" });
    const error = await p
      .set("SECRET_KEY", "never-answered", { signal: AbortSignal.timeout(300) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(/did not answer POST .* before the caller's deadline$/);
    expect(proxy.requests).toHaveLength(1);
    await vi.waitFor(() => expect(proxy.openConnections).toBe(0), { timeout: 5_000 });
  }, 15_000);

  it("no retry starts after the signal fired (the backoff wait is cut short too)", async () => {
    const p = provider(unique("hang-retry"), { maxRetries: 5, retryDelayMs: 60_000 });
    proxy.next({ kind: "refuse" }, { kind: "refuse" }, { kind: "refuse" });
    const error = await p.get("SECRET_KEY", { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(
      /did not answer GET secret\/data\/.*\/SECRET_KEY before the caller's deadline$/,
    );
    expect(proxy.requests).toHaveLength(1);
  }, 15_000);

  it("VAULT_CLIENT_TIMEOUT bounds each attempt without any signal, and the socket is closed", async () => {
    const p = provider(unique("hang-timeout"), { timeoutMs: 300, maxRetries: 2 });
    proxy.set({ kind: "hang" });
    const error = await p.get("SECRET_KEY").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(/did not answer GET secret\/data\/.*\/SECRET_KEY within 300 ms/);
    // A timeout is not retried: the server may be working on it.
    expect(proxy.requests).toHaveLength(1);
    await vi.waitFor(() => expect(proxy.openConnections).toBe(0), { timeout: 5_000 });
  }, 15_000);

  it("connecting is bounded by the deadline core gives the factory, not by the per-request timeout", async () => {
    proxy.set({ kind: "hang" });
    const error = await createProvider({
      env: { VAULT_URL: url, VAULT_TOKEN: token, VAULT_CLIENT_TIMEOUT: "120", VAULT_MAX_RETRIES: "5" },
      cwd: process.cwd(),
      logger: silentLogger,
      timeoutMs: 500,
    } as Parameters<typeof createProvider>[0]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Vault at ${url.replaceAll(".", "\\.")} did not answer GET sys/internal/ui/mounts/secret before the deadline \\(\\d+ ms were left\\): check the server, or raise SECRET_TIMEOUT$`,
      ),
    );
    // One mount lookup, not retried (the token lookup beside it is closed with the provider).
    expect(proxy.requests.filter((r) => r.url.includes("sys/internal/ui/mounts"))).toHaveLength(1);
    await vi.waitFor(() => expect(proxy.openConnections).toBe(0), { timeout: 5_000 });
  }, 10_000);

  it("check() says the server did not answer", async () => {
    const p = provider(unique("hang-check"), { timeoutMs: 300 });
    proxy.set({ kind: "hang" });
    await expect(p.check()).rejects.toThrow(
      /^Vault at .* did not answer LIST secret\/metadata\/.* within 300 ms/,
    );
  }, 10_000);
});

describe("check() reports a way to Vault that exposes the token", () => {
  it("plain HTTP to another machine: a warning that names the origin, and none on this machine", async () => {
    const here = provider(unique("plain-here"));
    expect((await here.check()).warnings).toBeUndefined();
    // 0.0.0.0 reaches the loopback server on Linux, and is not a loopback address as written.
    const elsewhere = provider(unique("plain-elsewhere"), { url: url.replace("127.0.0.1", "0.0.0.0") });
    const status = await elsewhere.check();
    const origin = new URL(url.replace("127.0.0.1", "0.0.0.0")).origin;
    expect(status.warnings).toEqual([
      `Vault is reached over plain HTTP at ${origin}, so the token and every secret value cross the network unencrypted: use https://`,
    ]);
    expect(JSON.stringify(status)).not.toContain(token);
  });
});
