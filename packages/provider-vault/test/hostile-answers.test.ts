// Answers a real Vault never gives, from a proxy in front of the real server:
// what the provider does with them is an error or the truth, never a made-up success.
import { ProviderError, SecretConflictError } from "@org/secrets-core/provider";
import { HostileProxy } from "@org/secrets-test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createVaultProvider, parseVaultConfig, type VaultProvider } from "../src/index.js";
import { captureLogger, createToken, enableKv, requestsIn, root, server, unique } from "./support/vault.js";

const { addr, token } = server();
const proxy = new HostileProxy({ target: addr, flavor: "vault" });
let url = "";
const open: VaultProvider[] = [];

beforeAll(async () => {
  url = (await proxy.start()).url;
});
afterAll(async () => {
  await proxy.stop();
});
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
  proxy.forward().resetCounts();
});

/** Text no test writes anywhere else: it must never reach a message or a log line. */
const CANARY = "hostileAnswerCanaryQ7x9ZpL2";

async function provider(
  options: { logger?: ReturnType<typeof captureLogger>["logger"]; layout?: "document" | "per-secret" } = {},
) {
  const prefix = unique("hostile");
  const p = await createVaultProvider({
    url,
    token,
    prefix,
    retryDelayMs: 5,
    renewToken: false,
    ...options,
  });
  open.push(p);
  proxy.forward().resetCounts();
  return { p, prefix, data: (name: string) => `GET /v1/secret/data/${prefix}/${name}` };
}

describe("a redirect whose body never ends", () => {
  it("is closed at once when followed: the read succeeds and the socket is let go", async () => {
    const { p, prefix, data } = await provider();
    await p.set("SECRET_KEY", "after-redirect");
    proxy.resetCounts();
    proxy.set(
      {
        kind: "drip",
        status: 307,
        headers: { location: `${url}/v1/secret/data/${prefix}/SECRET_KEY` },
        everyMs: 5,
      },
      data("SECRET_KEY"),
      { times: 1 },
    );
    expect((await p.get("SECRET_KEY"))?.value).toBe("after-redirect");
    await proxy.waitForDripClosed(1, 5_000);
    expect(proxy.dripped()).toMatchObject({ answers: 1, closedByClient: 1 });
  });

  it("is closed at once when refused (another origin)", async () => {
    const { p, data } = await provider();
    proxy.set(
      { kind: "drip", status: 307, headers: { location: "http://127.0.0.2:1/elsewhere" }, everyMs: 5 },
      data("X"),
    );
    const error = await p.get("X").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/redirected GET .* to another origin, http:\/\/127\.0\.0\.2:1/);
    await proxy.waitForDripClosed(1, 5_000);
    expect(proxy.dripped()).toMatchObject({ answers: 1, closedByClient: 1 });
  });
});

describe("a success whose body is not JSON", () => {
  const page = `<html><body>${CANARY}</body></html>`;

  it("is an error on a read, a write and a list, never a value, a stored secret or an empty list", async () => {
    const { p } = await provider();
    await p.set("KEPT", "kept-value");
    proxy.resetCounts();
    proxy.set({ kind: "status", status: 200, body: page, headers: { "content-type": "text/html" } });
    const errors = [
      await p.get("KEPT").catch((e: unknown) => e),
      await p.set("NEW_ONE", "never-stored").catch((e: unknown) => e),
      await p.list().catch((e: unknown) => e),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(
        /^Vault request (GET|POST|LIST) secret\/[\w-]+\/.* failed: the answer \(HTTP 200\) is not JSON: check that VAULT_URL points at Vault itself/,
      );
      expect((error as Error).message).not.toContain(CANARY);
    }
    // Not retried: one request each.
    expect(proxy.requests).toHaveLength(3);
    proxy.forward();
    expect(await p.get("NEW_ONE")).toBeUndefined();
  });

  it("is an error when connecting (the mount lookup), not a mount of an unknown kind", async () => {
    proxy.set({ kind: "status", status: 200, body: page }, (r) =>
      r.path.startsWith("/v1/sys/internal/ui/mounts"),
    );
    const error = await createVaultProvider({ url, token, renewToken: false }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /sys\/internal\/ui\/mounts\/secret failed: the answer \(HTTP 200\) is not JSON/,
    );
  });
});

describe("a write answered without the version KV v2 always gives", () => {
  it("is an error, not a success, when the answer is JSON without a version", async () => {
    const { p } = await provider();
    proxy.set({ kind: "status", status: 200, body: "{}" }, (r) => r.method === "POST");
    const error = await p.set("NOT_STORED", "value").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe(
      "Vault's answer to the write of 'NOT_STORED' has no version, so it is not known to be stored: check that the mount 'secret/' is KV version 2 (VAULT_KV_VERSION) and that VAULT_URL points at Vault itself",
    );
    proxy.forward();
    expect(await p.get("NOT_STORED")).toBeUndefined();
  });

  it("catches VAULT_KV_VERSION=2 given for a KV v1 mount, which takes the write under data/", async () => {
    const mount = await enableKv(1);
    const p = await createVaultProvider({ url: addr, token, mount, kvVersion: 2, renewToken: false });
    open.push(p);
    const error = await p.set("WRONG_LAYOUT", "value").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Vault's answer to the write of 'WRONG_LAYOUT' has no version/);
  });
});

describe("a 404 that is not Vault's", () => {
  const pages: Array<[string, string]> = [
    ["an HTML page", `<html>${CANARY}</html>`],
    ["an empty body", ""],
    ["a JSON string", JSON.stringify(CANARY)],
    ["other errors", JSON.stringify({ errors: [CANARY] })],
  ];

  it.each(pages)("(%s) is an error, not a missing secret", async (_label, body) => {
    const { p, data } = await provider();
    await p.set("THERE", "there-value");
    proxy.set({ kind: "status", status: 404, body }, data("THERE"));
    const error = await p.get("THERE").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(
      /^Vault at http:\/\/127\.0\.0\.1:\d+ answered HTTP 404 to GET secret\/data\/hostile-\w+\/THERE with a body that is not Vault's, so whether the secret exists is unknown: check VAULT_URL and any proxy in between$/,
    );
    expect((error as Error).message).not.toContain(CANARY);
  });

  it("Vault's own 404s still mean missing: a name never written, and a deleted version", async () => {
    const { p } = await provider();
    expect(await p.get("NEVER_WRITTEN")).toBeUndefined();
    await p.set("DELETED", "soon-gone");
    await p.delete("DELETED");
    expect(await p.get("DELETED")).toBeUndefined();
  });

  it("a deletion time that is not a date never reaches the debug log", async () => {
    const { logger, lines } = captureLogger();
    const { p, data } = await provider({ logger });
    const body = JSON.stringify({ data: { data: null, metadata: { deletion_time: CANARY } } });
    proxy.set({ kind: "status", status: 404, body }, data("ODD"));
    expect(await p.get("ODD")).toBeUndefined();
    expect(lines.join("\n")).not.toContain(CANARY);
  });
});

describe("a check-and-set write whose answer was lost, retried", () => {
  it("create-only: the earlier attempt's own write is the success, not 'already exists'", async () => {
    const { logger, lines } = captureLogger();
    const { p } = await provider({ logger });
    proxy.set({ kind: "lose-answer" }, (r) => r.method === "POST", { times: 1 });
    expect(await p.set("CREATED_ONCE", "mine", { ifAbsent: true })).toEqual({ version: "1" });
    expect(requestsIn(lines, "POST", "CREATED_ONCE")).toHaveLength(2);
    expect((await p.get("CREATED_ONCE"))?.value).toBe("mine");
  });

  it("ifVersion: the version after the one given, holding our value, is the success", async () => {
    const { p } = await provider();
    await p.set("UPDATED", "first");
    proxy.set({ kind: "lose-answer" }, (r) => r.method === "POST", { times: 1 });
    expect(await p.set("UPDATED", "second", { ifVersion: "1" })).toEqual({ version: "2" });
  });

  it("create-only over a deleted current version: the retried write's own earlier attempt is the success", async () => {
    const { p } = await provider();
    await p.set("RECREATED", "before-delete");
    await p.delete("RECREATED");
    proxy.resetCounts();
    // The create from version 0 is refused (the key has history); the write over the deleted version loses its answer.
    proxy.set({ kind: "lose-answer" }, (r) => r.method === "POST" && r.path.includes("/data/"), {
      after: 1,
      times: 1,
    });
    expect(await p.set("RECREATED", "after-delete", { ifAbsent: true })).toEqual({ version: "2" });
    expect(proxy.countRequests().countMatching((r) => r.method === "POST" && r.path.includes("/data/"))).toBe(
      3,
    );
    expect(await p.get("RECREATED")).toMatchObject({ value: "after-delete", version: "2" });
  });

  it("document layout: a delete, a create and a checked write whose answers were lost are each reported done", async () => {
    const { p } = await provider({ layout: "document" });
    await p.set("DOC_KEEP", "kept-field");
    await p.set("DOC_GONE", "to-delete");
    const lose = () =>
      proxy.set({ kind: "lose-answer" }, (r) => r.method === "POST" && r.path.includes("/data/"), {
        times: 1,
      });
    lose();
    expect(await p.delete("DOC_GONE")).toBe(true);
    lose();
    expect(await p.set("DOC_NEW", "created-once", { ifAbsent: true })).toMatchObject({});
    const before = await p.get("DOC_KEEP");
    lose();
    await p.set("DOC_KEEP", "rotated-field", { ifVersion: before?.version as string });
    proxy.forward();
    expect(await p.get("DOC_GONE")).toBeUndefined();
    expect((await p.get("DOC_NEW"))?.value).toBe("created-once");
    expect((await p.get("DOC_KEEP"))?.value).toBe("rotated-field");
  });

  it("the conflict stands when what is there is not ours", async () => {
    const { p } = await provider();
    await p.set("TAKEN", "someone-else");
    proxy.set({ kind: "lose-answer" }, (r) => r.method === "POST", { times: 1 });
    const error = await p.set("TAKEN", "mine", { ifAbsent: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConflictError);
    expect((await p.get("TAKEN"))?.value).toBe("someone-else");
  });

  it("without a retry, a conflict reads nothing back", async () => {
    const { logger, lines } = captureLogger();
    const { p } = await provider({ logger });
    await p.set("PLAIN", "first");
    lines.length = 0;
    const error = await p.set("PLAIN", "second", { ifVersion: "7" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConflictError);
    expect(requestsIn(lines)).toHaveLength(1);
  });
});

describe("large answers", () => {
  it("one answer may be large, but the answers read at once are bounded together", async () => {
    const { p } = await provider();
    const value = "v".repeat(40 * 1024 * 1024);
    const body = JSON.stringify({ data: { data: { value }, metadata: { version: 1 } } });
    proxy.set({ kind: "status", status: 200, body }, (r) => r.method === "GET" && r.path.includes("/data/"));
    expect((await p.get("ALONE"))?.value.length).toBe(value.length);
    const error = await p.getMany(["FIRST", "SECOND"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(
      /failed: answers larger than 67108864 bytes in all were being read at once$/,
    );
    // The budget is given back: a read after the failure is whole again.
    expect((await p.get("AFTER"))?.value.length).toBe(value.length);
  });
});

describe("durations longer than a timer holds", () => {
  it("a token TTL over 37 days does not renew in a loop", async () => {
    // The dev server allows 32 days at most: raised for this token, then put back.
    const tuned = await root("GET", "sys/auth/token/tune");
    await root("POST", "sys/auth/token/tune", { max_lease_ttl: "2000h" });
    let long: string;
    try {
      long = await createToken({ policies: ["root"], ttl: "1500h", renewable: true });
    } finally {
      await root("POST", "sys/auth/token/tune", { max_lease_ttl: `${tuned.data.max_lease_ttl}s` });
    }
    const lookup = await root("POST", "auth/token/lookup", { token: long });
    // Longer than a timer holds once two thirds are taken: the case that overflowed.
    expect(lookup.data.ttl * 1000 * (2 / 3)).toBeGreaterThan(2 ** 31);
    const { logger, lines } = captureLogger();
    const p = await createVaultProvider({ url, token: long, prefix: unique("ttl"), logger });
    open.push(p);
    await p.set("SECRET_KEY", "long-lived");
    // The token is looked up a second after the first use, and its renewal scheduled then.
    await vi.waitFor(() => expect(requestsIn(lines, "GET", "lookup-self")).toHaveLength(1), {
      timeout: 10_000,
      interval: 50,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requestsIn(lines, "POST", "renew-self")).toHaveLength(0);
    expect(proxy.countRequests().count("POST /v1/auth/token/renew-self")).toBe(0);
  });

  it("VAULT_CLIENT_TIMEOUT beyond that is shortened to it, and requests still wait for their answer", async () => {
    const { config } = parseVaultConfig({
      VAULT_ADDR: url,
      VAULT_TOKEN: token,
      VAULT_CLIENT_TIMEOUT: "2147484",
    });
    expect(config.timeoutMs).toBe(2 ** 31 - 1);
    const p = await createVaultProvider({ url, token, timeoutMs: 10 ** 12, renewToken: false });
    open.push(p);
    await p.set(unique("T").toUpperCase().replace(/-/g, "_"), "waited");
  });
});
