import { SecretManager } from "@org/secrets-core";
import {
  capabilitiesOf,
  NotSupportedError,
  SecretConfigError,
  SecretConflictError,
} from "@org/secrets-core/provider";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createProvider,
  createVaultProvider,
  VaultProvider,
  type VaultProviderOptions,
} from "../src/index.js";
import { bao, captureLogger, enableKv, requestsIn, root, server, unique } from "./support/vault.js";

const { addr, token } = server();
const open: VaultProvider[] = [];
let mount = "";

beforeAll(async () => {
  mount = await enableKv(1);
});

async function provider(options: Partial<VaultProviderOptions> = {}): Promise<VaultProvider> {
  const p = await createVaultProvider({ url: addr, token, mount, prefix: unique("v1"), ...options });
  open.push(p);
  return p;
}

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

describe("KV v1 mount", () => {
  it("is detected, and the capabilities say: list, and batch reads (parallel reads)", async () => {
    const p = await provider();
    expect(p.capabilities).toEqual({
      versions: false,
      checkAndSet: false,
      metadata: false,
    });
    expect(capabilitiesOf(p)).toMatchObject({ batchRead: true, list: true });
    const settled = p.capabilities;
    expect(Object.isFrozen(settled)).toBe(true);
    expect((await p.check()).details).toMatchObject({ kv_version: 1, mount: `${mount}/` });
    await p.set("A", "a");
    expect(p.capabilities).toBe(settled);
  });

  it("works through a manager with the capabilities settled by the factory", async () => {
    const manager = new SecretManager({ provider: () => provider(), cacheTtlMs: 0 });
    expect(await manager.getCapabilities()).toEqual({
      batchRead: true,
      list: true,
      versions: false,
      checkAndSet: false,
      metadata: false,
    });
    // ifAbsent emulated by core (a read, then a write), ifVersion refused by core.
    expect(await manager.setSecret("A", "first", { ifAbsent: true })).toBe(true);
    await expect(manager.setSecret("A", "second", { ifAbsent: true })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    await expect(manager.setSecret("A", "second", { ifVersion: "1" })).rejects.toBeInstanceOf(
      NotSupportedError,
    );
    expect(await manager.getSecret("A")).toBe("first");
  });

  it("stores, reads, lists and deletes entries at <mount>/<prefix>/<NAME>", async () => {
    const prefix = unique("crud");
    const p = await provider({ prefix });
    await p.set("SECRET_KEY", "v1-value");
    await p.set("DATABASE_URL", "sqlite:///x.db");
    expect((await root("GET", `${mount}/${prefix}/SECRET_KEY`)).data).toEqual({ value: "v1-value" });
    expect(await p.get("SECRET_KEY")).toEqual({ value: "v1-value" });
    expect(await p.list()).toEqual(["DATABASE_URL", "SECRET_KEY"]);
    expect(await p.delete("SECRET_KEY")).toBe(true);
    expect(await p.delete("SECRET_KEY")).toBe(false);
    expect(await p.get("SECRET_KEY")).toBeUndefined();
    expect(await p.list()).toEqual(["DATABASE_URL"]);
  });

  it("refuses versions, check-and-set on a version and restore", async () => {
    const p = await provider();
    await p.set("SECRET_KEY", "x");
    await expect(p.get("SECRET_KEY", { version: "previous" })).rejects.toBeInstanceOf(NotSupportedError);
    await expect(p.set("SECRET_KEY", "y", { ifVersion: "1" })).rejects.toBeInstanceOf(NotSupportedError);
    await expect(p.restore("SECRET_KEY")).rejects.toBeInstanceOf(NotSupportedError);
    // Through the manager, the capability check answers first.
    const manager = new SecretManager({ provider: p, cacheTtlMs: 0 });
    await expect(manager.getSecret("SECRET_KEY", { version: "previous" })).rejects.toThrow(
      "Secret provider 'vault' does not support reading earlier versions",
    );
  });

  it("create-only is a look-then-write: an existing secret is not replaced", async () => {
    const p = await provider();
    await p.set("SECRET_KEY", "kept");
    await expect(p.set("SECRET_KEY", "intruder", { ifAbsent: true })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    expect((await p.get("SECRET_KEY"))?.value).toBe("kept");
  });

  it("refuses the document layout, which needs check-and-set", async () => {
    const error = await createVaultProvider({
      url: addr,
      token,
      mount,
      prefix: "app",
      layout: "document",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as SecretConfigError).field).toBe("VAULT_LAYOUT");
    expect((error as Error).message).toBe(
      `The document layout needs KV v2 check-and-set, and '${mount}/' is a KV v1 mount: use VAULT_LAYOUT=per-secret or a KV v2 mount`,
    );
  });

  it("VAULT_KV_VERSION=1 skips detection; health then lists the prefix instead", async () => {
    const { logger, lines } = captureLogger();
    const p = await createProvider({
      env: { VAULT_URL: addr, VAULT_TOKEN: token, VAULT_MOUNT_POINT: mount, VAULT_KV_VERSION: "1" },
      cwd: process.cwd(),
      logger,
    });
    open.push(p);
    expect(p.capabilities.versions).toBe(false);
    await p.check();
    expect(requestsIn(lines, undefined, "sys/internal/ui/mounts")).toHaveLength(0);
    expect(requestsIn(lines, "LIST", mount)).toHaveLength(1);
  });

  it("interoperates with the bao CLI both ways", async () => {
    const prefix = unique("cli");
    const put = await bao([
      "kv",
      "put",
      `-mount=${mount}`,
      `${prefix}/REDIS_PASSWORD`,
      "value=written-by-bao",
    ]);
    expect(put.code, put.stderr).toBe(0);
    const p = await provider({ prefix });
    expect((await p.get("REDIS_PASSWORD"))?.value).toBe("written-by-bao");
    await p.set("SMTP_PASSWORD", "written-by-provider");
    const got = await bao(["kv", "get", `-mount=${mount}`, "-field=value", `${prefix}/SMTP_PASSWORD`]);
    expect(got.stdout).toBe("written-by-provider");
  });

  it("before connecting, capabilities are those of KV v2 (or of kvVersion when given)", () => {
    expect(new VaultProvider({ url: addr, token }).capabilities.versions).toBe(true);
    expect(new VaultProvider({ url: addr, token, kvVersion: 1 }).capabilities.versions).toBe(false);
  });

  it("a provider built by hand keeps the capabilities it was built with once connected", async () => {
    const p = new VaultProvider({ url: addr, token, mount, kvVersion: 1, prefix: unique("v1") });
    open.push(p);
    const built = p.capabilities;
    await p.connect();
    expect(p.capabilities).toBe(built);
    expect(built).toEqual({ versions: false, checkAndSet: false, metadata: false });
  });
});
