import { SecretManager } from "@org/secrets-core";
import {
  capabilitiesOf,
  NotSupportedError,
  ProviderNotConfiguredError,
  SecretConflictError,
} from "@org/secrets-core/provider";
import { afterEach, describe, expect, it } from "vitest";
import {
  createProvider,
  createVaultProvider,
  type VaultProvider,
  type VaultProviderOptions,
} from "../src/index.js";
import { bao, captureLogger, requestsIn, root, server, unique } from "./support/vault.js";

const { addr, token } = server();
const open: VaultProvider[] = [];

async function provider(options: Partial<VaultProviderOptions> = {}): Promise<VaultProvider> {
  const p = await createVaultProvider({
    url: addr,
    token,
    layout: "document",
    prefix: unique("doc"),
    ...options,
  });
  open.push(p);
  return p;
}

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

describe("document layout on KV v2", () => {
  it("announces batch reads and versions, but no per-secret metadata", async () => {
    const p = await provider();
    expect(p.capabilities).toEqual({
      versions: true,
      checkAndSet: true,
      metadata: false,
    });
    expect(capabilitiesOf(p)).toMatchObject({ batchRead: true, list: true });
  });

  it("keeps every secret as a field of one entry, and reads them all in one request", async () => {
    const prefix = unique("app");
    const { logger, lines } = captureLogger();
    const p = await provider({ prefix, logger });
    await p.set("SECRET_KEY", "s");
    await p.set("DATABASE_URL", "d");
    await p.set("REDIS_PASSWORD", "r");
    expect((await root("GET", `secret/data/${prefix}`)).data.data).toEqual({
      SECRET_KEY: "s",
      DATABASE_URL: "d",
      REDIS_PASSWORD: "r",
    });

    lines.length = 0;
    const manager = new SecretManager({ provider: p, cacheTtlMs: 0 });
    const values = await manager.getSecrets(["SECRET_KEY", "DATABASE_URL", "REDIS_PASSWORD", "MISSING"]);
    expect(Object.fromEntries(values)).toEqual({ SECRET_KEY: "s", DATABASE_URL: "d", REDIS_PASSWORD: "r" });
    expect(requestsIn(lines)).toHaveLength(1);
    expect(await p.list()).toEqual(["DATABASE_URL", "REDIS_PASSWORD", "SECRET_KEY"]);
  });

  it("concurrent writers in separate providers lose no write", async () => {
    const prefix = unique("busy");
    const writers = await Promise.all(Array.from({ length: 6 }, () => provider({ prefix })));
    await Promise.all(
      writers.flatMap((p, i) => [p.set(`NAME_${i}_A`, `value-${i}-a`), p.set(`NAME_${i}_B`, `value-${i}-b`)]),
    );
    const fields = (await root("GET", `secret/data/${prefix}`)).data.data;
    expect(Object.keys(fields).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => [`NAME_${i}_A`, `NAME_${i}_B`])
        .flat()
        .sort(),
    );
    for (let i = 0; i < 6; i++) expect(fields[`NAME_${i}_A`]).toBe(`value-${i}-a`);
    // Every write made exactly one document version.
    expect((await root("GET", `secret/metadata/${prefix}`)).data.current_version).toBe(12);
  });

  it("create-only and version checks hold per secret", async () => {
    const p = await provider();
    await p.set("SECRET_KEY", "first", { ifAbsent: true });
    await expect(p.set("SECRET_KEY", "second", { ifAbsent: true })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    const record = await p.get("SECRET_KEY");
    await p.set("OTHER", "unrelated");
    // A change to another field does not invalidate this secret's version.
    await p.set("SECRET_KEY", "third", { ifVersion: record?.version as string });
    await expect(
      p.set("SECRET_KEY", "fourth", { ifVersion: record?.version as string }),
    ).rejects.toBeInstanceOf(SecretConflictError);
    expect((await p.get("SECRET_KEY"))?.value).toBe("third");
  });

  it("'previous' is the secret's own earlier value, skipping versions where other fields changed", async () => {
    const prefix = unique("hist");
    const p = await provider({ prefix });
    await p.set("SECRET_KEY", "k-1"); // doc v1
    await p.set("OTHER", "o-1"); // doc v2
    await p.set("SECRET_KEY", "k-2"); // doc v3
    await p.set("OTHER", "o-2"); // doc v4
    expect((await p.get("SECRET_KEY", { version: "previous" }))?.value).toBe("k-1");
    expect((await p.get("OTHER", { version: "previous" }))?.value).toBe("o-1");
    expect((await p.get("SECRET_KEY", { version: "1" }))?.value).toBe("k-1");
    expect(await p.get("OTHER", { version: "1" })).toBeUndefined();
    expect(await p.get("NEVER", { version: "previous" })).toBeUndefined();
  });

  it("permanent delete also destroys the earlier document versions that held the value", async () => {
    const prefix = unique("purge");
    const p = await provider({ prefix });
    await p.set("SECRET_KEY", "leaked");
    await p.set("KEEP", "kept");
    expect(await p.delete("SECRET_KEY", { permanent: true })).toBe(true);
    const meta = (await root("GET", `secret/metadata/${prefix}`)).data;
    expect(meta.current_version).toBe(3);
    expect(meta.versions["1"].destroyed).toBe(true);
    expect(meta.versions["2"].destroyed).toBe(true);
    expect(meta.versions["3"].destroyed).toBe(false);
    expect((await root("GET", `secret/data/${prefix}`)).data.data).toEqual({ KEEP: "kept" });
    expect(await p.delete("SECRET_KEY", { permanent: true })).toBe(false);
  });

  it("a document soft-deleted with the bao CLI reads as empty and is written again", async () => {
    const prefix = unique("gone");
    const p = await provider({ prefix });
    await p.set("SECRET_KEY", "before");
    const del = await bao(["kv", "delete", "-mount=secret", prefix]);
    expect(del.code, del.stderr).toBe(0);
    expect(await p.get("SECRET_KEY")).toBeUndefined();
    expect(await p.list()).toEqual([]);
    await p.set("SECRET_KEY", "after", { ifAbsent: true });
    expect((await p.get("SECRET_KEY"))?.value).toBe("after");
  });

  it("interoperates with the bao CLI both ways", async () => {
    const prefix = unique("cli");
    const put = await bao([
      "kv",
      "put",
      "-mount=secret",
      prefix,
      "SECRET_KEY=from-bao",
      "DATABASE_URL=db-from-bao",
    ]);
    expect(put.code, put.stderr).toBe(0);
    const p = await provider({ prefix });
    expect((await p.get("SECRET_KEY"))?.value).toBe("from-bao");
    await p.set("REDIS_PASSWORD", "from-provider");
    const got = await bao(["kv", "get", "-mount=secret", "-field=REDIS_PASSWORD", prefix]);
    expect(got.stdout).toBe("from-provider");
    expect((await bao(["kv", "get", "-mount=secret", "-field=DATABASE_URL", prefix])).stdout).toBe(
      "db-from-bao",
    );
  });

  it("restore is not offered", async () => {
    const p = await provider();
    await expect(p.restore("SECRET_KEY")).rejects.toBeInstanceOf(NotSupportedError);
  });

  it("needs VAULT_PATH_PREFIX", async () => {
    const error = await createProvider({
      env: { VAULT_URL: addr, VAULT_TOKEN: token, VAULT_LAYOUT: "document" },
      cwd: process.cwd(),
      logger: captureLogger().logger,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderNotConfiguredError);
    expect((error as ProviderNotConfiguredError).missing).toEqual(["VAULT_PATH_PREFIX"]);
    expect((error as Error).message).toMatch(
      /^Secret provider 'vault' not configured: VAULT_PATH_PREFIX is not set/,
    );
  });
});
