import { promises as fs } from "node:fs";
import { SecretManager } from "@org/secrets-core";
import { ProviderUnavailableError, SecretConfigError } from "@org/secrets-core/provider";
import { freePort, HostileProxy, type OpenBaoServer, startOpenBao } from "@org/secrets-test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createProvider, createVaultProvider, type VaultProvider } from "../src/index.js";
import { captureLogger, requestsIn, root, server, unique } from "./support/vault.js";

const { addr, token } = server();
const open: VaultProvider[] = [];

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

function keep<T extends VaultProvider>(p: T): T {
  open.push(p);
  return p;
}

describe("a server that is sealed mid-test", () => {
  let sealed: OpenBaoServer;
  beforeAll(async () => {
    sealed = await startOpenBao();
  });
  afterAll(async () => {
    await sealed?.stop();
  });

  it("reports 'Vault is sealed', without retrying, in get and in the manager's health check", async () => {
    const { logger, lines } = captureLogger();
    const p = keep(
      await createVaultProvider({ url: sealed.url, token: sealed.token, prefix: "app", logger }),
    );
    await p.set("SECRET_KEY", "before-seal");
    await root("PUT", "sys/seal", undefined, { addr: sealed.url, token: sealed.token });

    lines.length = 0;
    const error = await p.get("SECRET_KEY").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toBe(
      `Vault is sealed (${sealed.url}): unseal it with 'bao operator unseal' or 'vault operator unseal' and retry`,
    );
    expect(requestsIn(lines)).toHaveLength(1);

    const health = await new SecretManager({ provider: p }).checkProvider();
    expect(health.ok).toBe(false);
    expect(health.error?.code).toBe("PROVIDER_UNAVAILABLE");
    expect(health.error?.message).toMatch(/^Vault is sealed/);
  });
});

describe("TLS", () => {
  let tls: OpenBaoServer;
  beforeAll(async () => {
    tls = await startOpenBao({ tls: true });
  });
  afterAll(async () => {
    await tls?.stop();
  });

  it("verifies the server against VAULT_CACERT", async () => {
    const p = keep(
      await createProvider({
        env: {
          VAULT_ADDR: tls.url,
          VAULT_TOKEN: tls.token,
          VAULT_CACERT: tls.caFile as string,
          VAULT_PATH_PREFIX: "app",
        },
        cwd: process.cwd(),
        logger: captureLogger().logger,
      }),
    );
    await p.set("SECRET_KEY", "over-tls");
    expect((await p.get("SECRET_KEY"))?.value).toBe("over-tls");
    expect((await p.check()).warnings).toBeUndefined();
  });

  it("accepts the CA as PEM text too", async () => {
    const caCert = await fs.readFile(tls.caFile as string, "utf8");
    const p = keep(await createVaultProvider({ url: tls.url, token: tls.token, caCert }));
    await p.check();
  });

  it("fails without the CA, naming the URL and what to set", async () => {
    const error = await createVaultProvider({ url: tls.url, token: tls.token }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^TLS verification of Vault at ${tls.url.replaceAll(".", "\\.")} failed \\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY): .*\\): set VAULT_CACERT`,
      ),
    );
  });

  it("keeps verifying with NODE_TLS_REJECT_UNAUTHORIZED=0, which turns Node's default checks off", async () => {
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    try {
      const error = await createVaultProvider({ url: tls.url, token: tls.token }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(/^TLS verification of Vault at .*: set VAULT_CACERT/);
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    }
  });

  it("VAULT_SKIP_VERIFY=true connects anyway, with a warning", async () => {
    const { logger, lines } = captureLogger();
    const p = keep(
      await createProvider({
        env: { VAULT_ADDR: tls.url, VAULT_TOKEN: tls.token, VAULT_SKIP_VERIFY: "true" },
        cwd: process.cwd(),
        logger,
      }),
    );
    const status = await p.check();
    expect(lines.some((l) => l.includes("WARN") && l.includes("VAULT_SKIP_VERIFY is set"))).toBe(true);
    // And the check reports it, for health to show.
    expect(status.warnings).toEqual([
      "Vault's TLS certificate is not verified (VAULT_SKIP_VERIFY or skipVerify), so anyone on the network path can read the token and every secret value: trust its CA with VAULT_CACERT instead",
    ]);
  });

  it("VAULT_SKIP_VERIFY=false keeps verification on, even in the process environment node-vault reads", async () => {
    const saved = process.env.VAULT_SKIP_VERIFY;
    process.env.VAULT_SKIP_VERIFY = "false";
    try {
      const { logger, lines } = captureLogger();
      const error = await createProvider({
        env: { VAULT_ADDR: tls.url, VAULT_TOKEN: tls.token, VAULT_SKIP_VERIFY: "false" },
        cwd: process.cwd(),
        logger,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(/^TLS verification of Vault/);
      expect(lines.filter((l) => l.includes("WARN"))).toEqual([]);

      const yes = await createProvider({
        env: { VAULT_ADDR: tls.url, VAULT_TOKEN: tls.token, VAULT_SKIP_VERIFY: "yes" },
        cwd: process.cwd(),
        logger,
      }).catch((e: unknown) => e);
      expect(yes).toBeInstanceOf(ProviderUnavailableError);
      expect(
        lines.some((l) => l.includes("VAULT_SKIP_VERIFY is set to something other than 1 or true")),
      ).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.VAULT_SKIP_VERIFY;
      else process.env.VAULT_SKIP_VERIFY = saved;
    }
  });

  it("a CA file that cannot be read is a configuration error naming VAULT_CACERT", async () => {
    const error = await createVaultProvider({
      url: tls.url,
      token: tls.token,
      caCertFile: "/no/such/ca.pem",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as SecretConfigError).field).toBe("VAULT_CACERT");
  });
});

describe("network faults, through a proxy in front of the real server", () => {
  const proxy = new HostileProxy({ target: addr, flavor: "vault" });
  let url = "";
  beforeAll(async () => {
    url = (await proxy.start()).url;
  });
  afterAll(async () => {
    await proxy.stop();
  });

  async function connected(options: { timeoutMs?: number; maxRetries?: number } = {}) {
    const p = keep(
      await createVaultProvider({
        url,
        token,
        prefix: unique("faults"),
        retryDelayMs: 5,
        renewToken: false,
        ...options,
      }),
    );
    await p.set("SECRET_KEY", "resilient");
    proxy.forward().resetCounts();
    return p;
  }

  it("retries 502 and 503 answers with backoff, then succeeds", async () => {
    const p = await connected();
    proxy.next({ kind: "status", status: 502 }, { kind: "status", status: 503 });
    expect((await p.get("SECRET_KEY"))?.value).toBe("resilient");
    expect(proxy.requests).toHaveLength(3);
  });

  it("gives up after maxRetries, naming the URL, the status and the attempts", async () => {
    const p = await connected({ maxRetries: 2 });
    proxy.next(
      { kind: "status", status: 500, errors: ["internal error"] },
      { kind: "status", status: 500, errors: ["internal error"] },
      { kind: "status", status: 500, errors: ["internal error"] },
    );
    const error = await p.get("SECRET_KEY").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Vault at ${url.replaceAll(".", "\\.")} answered HTTP 500 for GET secret/data/.*/SECRET_KEY: internal error \\(after 3 attempts\\)$`,
      ),
    );
    expect(proxy.requests).toHaveLength(3);
  });

  it("retries 429", async () => {
    const p = await connected();
    proxy.next({ kind: "status", status: 429 });
    expect((await p.get("SECRET_KEY"))?.value).toBe("resilient");
    expect(proxy.requests).toHaveLength(2);
  });

  it("retries a dropped connection", async () => {
    const p = await connected();
    proxy.next({ kind: "refuse" });
    expect((await p.get("SECRET_KEY"))?.value).toBe("resilient");
    expect(proxy.requests).toHaveLength(2);
  });

  it("does not retry a 4xx answer", async () => {
    const p = await connected();
    proxy.next({ kind: "status", status: 400, errors: ["bad request"] });
    await expect(p.get("SECRET_KEY")).rejects.toThrow(
      /^Vault rejected GET secret\/data\/.*\/SECRET_KEY: HTTP 400 bad request$/,
    );
    expect(proxy.requests).toHaveLength(1);
  });

  it("times out a request that gets no answer, once, and the next request works", async () => {
    const p = await connected({ timeoutMs: 300 });
    proxy.next({ kind: "hang" });
    const error = await p.get("SECRET_KEY").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Vault at ${url.replaceAll(".", "\\.")} did not answer GET secret/data/.*/SECRET_KEY within 300 ms: check the server, or raise VAULT_CLIENT_TIMEOUT$`,
      ),
    );
    expect(proxy.requests).toHaveLength(1);
    expect((await p.get("SECRET_KEY"))?.value).toBe("resilient");
  });

  it("VAULT_CLIENT_TIMEOUT sets the timeout", async () => {
    const p = keep(
      await createProvider({
        env: { VAULT_URL: url, VAULT_TOKEN: token, VAULT_CLIENT_TIMEOUT: "250ms", VAULT_MAX_RETRIES: "0" },
        cwd: process.cwd(),
        logger: captureLogger().logger,
      }),
    );
    // Only the read hangs: the background token lookup may go out first on a slow machine.
    proxy.forward().resetCounts();
    proxy.set({ kind: "hang" }, "GET /v1/secret/data/SECRET_KEY");
    await expect(p.get("SECRET_KEY")).rejects.toThrow(/within 250 ms/);
  });

  it("reuses kept-alive connections", async () => {
    const p = await connected();
    for (let i = 0; i < 20; i++) await p.get("SECRET_KEY");
    expect(proxy.requests).toHaveLength(20);
    // Without keep-alive every request would open its own connection.
    expect(proxy.connections).toBeLessThanOrEqual(1);
  });

  it("an unreachable server is named with the network error, after the retries", async () => {
    const port = await freePort();
    const error = await createVaultProvider({
      url: `http://127.0.0.1:${port}`,
      token,
      retryDelayMs: 5,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toBe(
      `Cannot reach Vault at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}) (after 3 attempts): check the address and that the server is running`,
    );
  });
});
