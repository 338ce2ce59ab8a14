import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createProvider, createVaultProvider, type VaultProvider } from "../src/index.js";
import { captureLogger, root, server, unique, writePolicy } from "./support/vault.js";

const { addr, token } = server();
const open: VaultProvider[] = [];
let namespace = "";

beforeAll(async () => {
  namespace = unique("ns");
  await root("POST", `sys/namespaces/${namespace}`, {});
  await root("POST", "sys/mounts/secret", { type: "kv", options: { version: "2" } }, { namespace });
});

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

describe("namespaces", () => {
  it("VAULT_NAMESPACE sends every request into the namespace", async () => {
    const prefix = unique("app");
    const p = await createProvider({
      env: { VAULT_URL: addr, VAULT_TOKEN: token, VAULT_NAMESPACE: namespace, VAULT_PATH_PREFIX: prefix },
      cwd: process.cwd(),
      logger: captureLogger().logger,
    });
    open.push(p);
    await p.set("SECRET_KEY", "in-the-namespace", { ifAbsent: true });
    expect((await p.get("SECRET_KEY"))?.value).toBe("in-the-namespace");
    expect(await p.list()).toEqual(["SECRET_KEY"]);
    expect((await p.check()).details).toMatchObject({ namespace, kv_version: 2 });

    const inside = await root("GET", `secret/data/${prefix}/SECRET_KEY`, undefined, { namespace });
    expect(inside.data.data.value).toBe("in-the-namespace");
    const outside = await root("GET", `secret/data/${prefix}/SECRET_KEY`, undefined, { allow: [404] });
    expect(outside?.data).toBeUndefined();
  });

  it("logs in with an AppRole mounted inside the namespace", async () => {
    const prefix = unique("app");
    const policy = unique("policy");
    await writePolicy(
      policy,
      `path "secret/data/${prefix}/*" { capabilities = ["create", "read", "update"] }\n`,
      {
        namespace,
      },
    );
    await root("POST", "sys/auth/approle", { type: "approle" }, { namespace, allow: [400] });
    await root("POST", "auth/approle/role/app", { token_policies: [policy] }, { namespace });
    const roleId = (await root("GET", "auth/approle/role/app/role-id", undefined, { namespace })).data
      .role_id;
    const secretId = (await root("POST", "auth/approle/role/app/secret-id", {}, { namespace })).data
      .secret_id;
    const p = await createVaultProvider({
      url: addr,
      namespace,
      auth: { method: "approle", roleId, secretId },
      prefix,
    });
    open.push(p);
    await p.set("DATABASE_URL", "ns-approle");
    expect((await p.get("DATABASE_URL"))?.value).toBe("ns-approle");
  });
});
