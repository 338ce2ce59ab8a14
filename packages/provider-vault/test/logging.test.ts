import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { SecretManager } from "@org/secrets-core";
import { freePort, HostileProxy, type ProxiedRequest } from "@org/secrets-test-support";
import { afterAll, describe, expect, it } from "vitest";
import { createProvider, parseVaultConfig, type VaultProvider } from "../src/index.js";
import { captureLogger, createToken, root, server, unique, writePolicy } from "./support/vault.js";

const { addr, token } = server();

describe("debug logging over every operation, failures included", () => {
  const proxy = new HostileProxy({ target: addr, flavor: "vault" });
  afterAll(async () => {
    await proxy.stop();
  });

  it("never shows a token, secret id or secret value in a log line, an error or an inspected object", async () => {
    const { logger, lines } = captureLogger();
    const failures: unknown[] = [];
    const fail = async (call: () => Promise<unknown>) => {
      try {
        await call();
        failures.push(new Error("expected a failure"));
      } catch (error) {
        failures.push(error);
      }
    };
    const values = Array.from({ length: 6 }, (_, i) => `value-${i}-${randomBytes(12).toString("hex")}`);
    const [v0, v1, v2, v3, v4, v5] = values as [string, string, string, string, string, string];
    const prefix = unique("logs");
    const cwd = process.cwd();
    const env = (extra: Record<string, string>) => ({ VAULT_URL: addr, VAULT_PATH_PREFIX: prefix, ...extra });

    // The root token, through a manager at debug level, per-secret layout.
    const provider = await createProvider({ env: env({ VAULT_TOKEN: token }), cwd, logger });
    const manager = new SecretManager({ provider, logger, cacheTtlMs: 0 });
    await manager.setSecret("SECRET_KEY", v0, { ifAbsent: true });
    const record = await manager.getSecretRecord("SECRET_KEY");
    await manager.setSecret("SECRET_KEY", v1, {
      ifVersion: record?.version as string,
      metadata: { rotatedAt: new Date().toISOString() },
    });
    await fail(() => manager.setSecret("SECRET_KEY", v2, { ifAbsent: true }));
    await fail(() => manager.setSecret("SECRET_KEY", v2, { ifVersion: "1" }));
    expect(await manager.getSecret("SECRET_KEY", { version: "previous" })).toBe(v0);
    await manager.setSecret("DATABASE_URL", v2);
    expect(await manager.getSecrets(["SECRET_KEY", "DATABASE_URL"])).toHaveProperty("size", 2);
    expect(await manager.listSecrets()).toEqual(["DATABASE_URL", "SECRET_KEY"]);
    await manager.deleteSecret("DATABASE_URL");
    await fail(() => manager.getSecret("DATABASE_URL", { version: "1" }));
    await fail(() => manager.restoreSecret("NEVER_WRITTEN"));
    await manager.restoreSecret("DATABASE_URL");
    await manager.deleteSecret("DATABASE_URL", { permanent: true });
    expect((await manager.checkProvider()).ok).toBe(true);

    // The document layout.
    const documentProvider = await createProvider({
      env: env({ VAULT_TOKEN: token, VAULT_LAYOUT: "document", VAULT_PATH_PREFIX: `${prefix}-doc` }),
      cwd,
      logger,
    });
    const documents = new SecretManager({ provider: documentProvider, logger, cacheTtlMs: 0 });
    await documents.setSecret("SECRET_KEY", v3);
    await documents.setSecret("SECRET_KEY", v4);
    expect(await documents.getSecret("SECRET_KEY", { version: "previous" })).toBe(v3);
    await fail(() => documents.setSecret("SECRET_KEY", v5, { ifAbsent: true }));

    // A restricted token hitting a forbidden path.
    const policy = unique("policy");
    await writePolicy(policy, `path "secret/data/${prefix}/ALLOWED" { capabilities = ["read"] }\n`);
    const restricted = await createToken({ policies: [policy] });
    const limited = await createProvider({ env: env({ VAULT_TOKEN: restricted }), cwd, logger });
    await fail(() => new SecretManager({ provider: limited, logger }).getSecret("SECRET_KEY"));
    await fail(() => limited.set("SECRET_KEY", v5));

    // Refused credentials.
    const bogus = `s.${randomBytes(12).toString("hex")}`;
    await fail(() => createProvider({ env: env({ VAULT_TOKEN: bogus }), cwd, logger }));
    const approle = unique("approle");
    await root("POST", `sys/auth/${approle}`, { type: "approle" });
    await root("POST", `auth/${approle}/role/app`, { token_policies: ["default"] });
    const roleId = (await root("GET", `auth/${approle}/role/app/role-id`)).data.role_id as string;
    const secretId = `secret-id-${randomBytes(12).toString("hex")}`;
    await fail(() =>
      createProvider({
        env: env({
          VAULT_AUTH_METHOD: "approle",
          VAULT_ROLE_ID: roleId,
          VAULT_SECRET_ID: secretId,
          VAULT_APPROLE_MOUNT: approle,
        }),
        cwd,
        logger,
      }),
    );

    // Network failures: unreachable, 5xx after retries, timeout.
    const port = await freePort();
    await fail(() =>
      createProvider({
        env: { ...env({ VAULT_TOKEN: token }), VAULT_URL: `http://127.0.0.1:${port}` },
        cwd,
        logger,
      }),
    );
    const proxied = await createProvider({
      env: {
        ...env({ VAULT_TOKEN: token }),
        VAULT_URL: (await proxy.start()).url,
        VAULT_CLIENT_TIMEOUT: "200ms",
      },
      cwd,
      logger,
    });
    // Faults for the secret's own requests only: on a slow machine the background token
    // lookup goes out meanwhile and must not take one of them.
    const secretKey = (r: ProxiedRequest) => r.path === `/v1/secret/data/${prefix}/SECRET_KEY`;
    proxy.set({ kind: "status", status: 502 }, secretKey, { times: 3 });
    await fail(() => proxied.set("SECRET_KEY", v5));
    proxy.set({ kind: "hang" }, secretKey);
    await fail(() => proxied.get("SECRET_KEY"));

    const { config } = parseVaultConfig(
      env({
        VAULT_AUTH_METHOD: "approle",
        VAULT_ROLE_ID: roleId,
        VAULT_SECRET_ID: secretId,
        VAULT_TOKEN: token,
      }),
    );

    const providers: VaultProvider[] = [provider, documentProvider, limited, proxied];
    const texts = [
      ...lines,
      ...failures.flatMap((e) => [
        String((e as Error).message),
        String((e as Error).stack),
        JSON.stringify(e),
      ]),
      ...failures.map((e) => inspect(e, { depth: 10 })),
      ...providers.map((p) => inspect(p, { depth: 10 })),
      inspect(config, { depth: 10 }),
      JSON.stringify(config),
    ];
    expect(failures.every((e) => e instanceof Error && e.message !== "expected a failure")).toBe(true);
    expect(lines.some((l) => l.includes("vault.request"))).toBe(true);
    // The logger masks values it knows: a mask in a line or message means something tried to show one.
    for (const text of [...lines, ...failures.map((e) => String((e as Error).message))])
      expect(text).not.toContain("[REDACTED]");
    for (const text of texts) {
      for (const credential of [token, restricted, bogus, secretId, roleId])
        expect(text).not.toContain(credential);
      for (const value of values) expect(text).not.toContain(value);
    }
    for (const p of providers) await p.close();
  });
});
