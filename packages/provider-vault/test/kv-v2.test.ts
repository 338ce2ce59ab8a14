import { SecretManager } from "@org/secrets-core";
import {
  AccessDeniedError,
  capabilitiesOf,
  ProviderError,
  SecretConflictError,
  SecretNotFoundError,
  SecretScheduledForDeletionError,
} from "@org/secrets-core/provider";
import { afterEach, describe, expect, it } from "vitest";
import { createVaultProvider, type VaultProvider, type VaultProviderOptions } from "../src/index.js";
import { bao, captureLogger, enableKv, requestsIn, root, server, unique } from "./support/vault.js";

const { addr, token } = server();
const open: VaultProvider[] = [];

async function provider(options: Partial<VaultProviderOptions> = {}): Promise<VaultProvider> {
  const p = await createVaultProvider({ url: addr, token, prefix: unique("v2"), ...options });
  open.push(p);
  return p;
}

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

describe("KV v2, one entry per secret", () => {
  it("announces the KV v2 capabilities once connected", async () => {
    const p = await provider();
    expect(p.capabilities).toEqual({
      versions: true,
      checkAndSet: true,
      metadata: true,
    });
    expect(capabilitiesOf(p)).toMatchObject({ batchRead: true, list: true });
  });

  it("stores the value in the `value` field of <mount>/data/<prefix>/<NAME>", async () => {
    const prefix = unique("layout");
    const p = await provider({ prefix });
    await p.set("DATABASE_URL", "postgres://u:p@db/app");
    const entry = await root("GET", `secret/data/${prefix}/DATABASE_URL`);
    expect(entry.data.data).toEqual({ value: "postgres://u:p@db/app" });
  });

  it("rotation keeps the previous value readable, by 'previous' and by number, and records metadata", async () => {
    const p = await provider();
    expect(await p.set("JWT_SECRET_KEY", "first", { ifAbsent: true })).toEqual({ version: "1" });
    const rotatedAt = "2026-03-04T05:06:07.000Z";
    expect(await p.set("JWT_SECRET_KEY", "second", { ifVersion: "1", metadata: { rotatedAt } })).toEqual({
      version: "2",
    });

    const current = await p.get("JWT_SECRET_KEY");
    expect(current).toMatchObject({ value: "second", version: "2", metadata: { rotatedAt } });
    expect(current?.updatedAt).toBeInstanceOf(Date);

    const previous = await p.get("JWT_SECRET_KEY", { version: "previous" });
    expect(previous).toMatchObject({ value: "first", version: "1" });
    expect(previous?.createdAt).toBeInstanceOf(Date);
    expect((await p.get("JWT_SECRET_KEY", { version: "1" }))?.value).toBe("first");
    expect(await p.get("JWT_SECRET_KEY", { version: "7" })).toBeUndefined();
    await expect(p.get("JWT_SECRET_KEY", { version: "latest-ish" })).rejects.toThrow(
      /Invalid version 'latest-ish' for secret 'JWT_SECRET_KEY'/,
    );
  });

  it("a rotation that read a stale version fails with SecretConflictError instead of clobbering", async () => {
    const p = await provider();
    await p.set("SECRET_KEY", "one", { ifAbsent: true });
    await p.set("SECRET_KEY", "two", { ifVersion: "1" });
    const error = await p.set("SECRET_KEY", "three", { ifVersion: "1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConflictError);
    expect((error as Error).message).toMatch(/Secret 'SECRET_KEY' was changed by someone else/);
    expect((await p.get("SECRET_KEY"))?.value).toBe("two");
  });

  it("custom metadata is merged into what is already there", async () => {
    const prefix = unique("meta");
    const p = await provider({ prefix });
    await p.set("REDIS_PASSWORD", "pw-1");
    const put = await bao([
      "kv",
      "metadata",
      "put",
      "-mount=secret",
      "-custom-metadata=owner=platform",
      `${prefix}/REDIS_PASSWORD`,
    ]);
    expect(put.code, put.stderr).toBe(0);
    await p.set("REDIS_PASSWORD", "pw-2", { metadata: { rotatedAt: "2026-01-01T00:00:00.000Z" } });
    expect((await p.get("REDIS_PASSWORD"))?.metadata).toEqual({
      owner: "platform",
      rotatedAt: "2026-01-01T00:00:00.000Z",
    });
  });

  it("'previous' skips soft-deleted versions; a deleted version reads as such, a destroyed one as missing", async () => {
    const prefix = unique("hist");
    const p = await provider({ prefix });
    await p.set("SMTP_PASSWORD", "v1");
    await p.set("SMTP_PASSWORD", "v2");
    await p.set("SMTP_PASSWORD", "v3");
    await root("POST", `secret/delete/${prefix}/SMTP_PASSWORD`, { versions: [2] });
    expect((await p.get("SMTP_PASSWORD", { version: "previous" }))?.value).toBe("v1");

    const error = await p.get("SMTP_PASSWORD", { version: "2" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretScheduledForDeletionError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Version 2 of secret 'SMTP_PASSWORD' was deleted at .*bao kv undelete -mount=secret -versions=2 ${prefix}/SMTP_PASSWORD`,
      ),
    );

    await root("POST", `secret/destroy/${prefix}/SMTP_PASSWORD`, { versions: [1] });
    expect(await p.get("SMTP_PASSWORD", { version: "1" })).toBeUndefined();
    expect(await p.get("SMTP_PASSWORD", { version: "previous" })).toBeUndefined();
  });

  it("delete soft-deletes the current version, which restore brings back", async () => {
    const prefix = unique("del");
    const p = await provider({ prefix });
    await p.set("GRAFANA_ADMIN_PASSWORD", "g-1");
    await p.set("GRAFANA_ADMIN_PASSWORD", "g-2");
    await p.set("OTHER", "o");
    expect(await p.delete("GRAFANA_ADMIN_PASSWORD")).toBe(true);

    expect(await p.get("GRAFANA_ADMIN_PASSWORD")).toBeUndefined();
    expect(await p.list()).toEqual(["OTHER"]);
    const meta = await root("GET", `secret/metadata/${prefix}/GRAFANA_ADMIN_PASSWORD`);
    expect(meta.data.current_version).toBe(2);
    expect(meta.data.versions["2"].deletion_time).not.toBe("");
    expect(meta.data.versions["1"].deletion_time).toBe("");
    expect((await p.get("GRAFANA_ADMIN_PASSWORD", { version: "previous" }))?.value).toBe("g-1");
    expect(await p.delete("GRAFANA_ADMIN_PASSWORD")).toBe(false);

    await p.restore("GRAFANA_ADMIN_PASSWORD");
    expect((await p.get("GRAFANA_ADMIN_PASSWORD"))?.value).toBe("g-2");
    expect(await p.list()).toEqual(["GRAFANA_ADMIN_PASSWORD", "OTHER"]);
    await expect(p.restore("NEVER_EXISTED")).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it("permanent delete removes every version and the metadata", async () => {
    const prefix = unique("purge");
    const p = await provider({ prefix });
    await p.set("TYPESENSE_API_KEY", "t-1");
    await p.set("TYPESENSE_API_KEY", "t-2");
    expect(await p.delete("TYPESENSE_API_KEY", { permanent: true })).toBe(true);
    await root("GET", `secret/metadata/${prefix}/TYPESENSE_API_KEY`, undefined, { allow: [404] }).then(
      (body) => expect(body?.data).toBeUndefined(),
    );
    expect(await p.get("TYPESENSE_API_KEY", { version: "1" })).toBeUndefined();
    expect(await p.delete("TYPESENSE_API_KEY", { permanent: true })).toBe(false);
  });

  it("create-only over a soft-deleted secret writes the next version; over a live one it conflicts", async () => {
    const prefix = unique("recreate");
    const p = await provider({ prefix });
    await p.set("SPARK_AUTH_SECRET", "old");
    await p.delete("SPARK_AUTH_SECRET");
    expect(await p.set("SPARK_AUTH_SECRET", "new", { ifAbsent: true })).toEqual({ version: "2" });
    expect((await p.get("SPARK_AUTH_SECRET"))?.value).toBe("new");
    const error = await p.set("SPARK_AUTH_SECRET", "again", { ifAbsent: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConflictError);
    expect((error as Error).message).toBe("Secret 'SPARK_AUTH_SECRET' already exists");
  });

  it("sixteen concurrent create-only writers from separate providers: one value wins and nobody overwrites it", async () => {
    const prefix = unique("race");
    const providers = await Promise.all(Array.from({ length: 16 }, () => provider({ prefix })));
    const results = await Promise.allSettled(
      providers.map((p, i) => p.set("BASIC_AUTH_PASSWORD", `candidate-${i}`, { ifAbsent: true })),
    );
    const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toBeInstanceOf(SecretConflictError);
    const meta = await root("GET", `secret/metadata/${prefix}/BASIC_AUTH_PASSWORD`);
    expect(meta.data.current_version).toBe(1);
    const values = await Promise.all(providers.map(async (p) => (await p.get("BASIC_AUTH_PASSWORD"))?.value));
    expect(new Set(values)).toEqual(new Set([`candidate-${winners[0]}`]));
  });

  it("on a mount that requires check-and-set, plain writes still replace the value", async () => {
    const mount = await enableKv(2);
    await root("POST", `${mount}/config`, { cas_required: true });
    const p = await provider({ mount });
    await p.set("SECRET_KEY", "one");
    await p.set("SECRET_KEY", "two");
    expect(await p.get("SECRET_KEY")).toMatchObject({ value: "two", version: "2" });
  });

  it("an entry without a `value` field is reported with a count of its fields, never their names or contents", async () => {
    const prefix = unique("foreign");
    await root("POST", `secret/data/${prefix}/SECRET_KEY`, { data: { password: "do-not-show-me" } });
    const p = await provider({ prefix });
    const error = await p.get("SECRET_KEY").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe(
      `The Vault entry '${prefix}/SECRET_KEY' on mount 'secret' has no 'value' field (it has 1 other field): store the secret with 'bao kv put -mount=secret ${prefix}/SECRET_KEY value=...'`,
    );
    expect((error as Error).message).not.toContain("do-not-show-me");
    expect((error as Error).message).not.toContain("password");
  });

  it("URL-encodes every path segment of the prefix", async () => {
    const prefix = `team a/b#c?d%e/${unique("enc")}`;
    const p = await provider({ prefix });
    await p.set("SECRET_KEY", "encoded");
    expect((await p.get("SECRET_KEY"))?.value).toBe("encoded");
    const encoded = prefix.split("/").map(encodeURIComponent).join("/");
    const entry = await root("GET", `secret/data/${encoded}/SECRET_KEY`);
    expect(entry.data.data.value).toBe("encoded");
    expect(await p.list()).toEqual(["SECRET_KEY"]);
    const cli = await bao(["kv", "get", "-mount=secret", "-field=value", `${prefix}/SECRET_KEY`]);
    expect(cli.stdout).toBe("encoded");
  });

  it("a mount point that names a path inside a mount puts that path before the prefix", async () => {
    const inner = unique("inner");
    const p = await provider({ mount: `secret/${inner}`, prefix: "app" });
    await p.set("SECRET_KEY", "nested");
    const entry = await root("GET", `secret/data/${inner}/app/SECRET_KEY`);
    expect(entry.data.data.value).toBe("nested");
    expect((await p.check()).details).toMatchObject({
      mount: "secret/",
      prefix: `${inner}/app`,
      kv_version: 2,
    });
  });

  it("list ignores folders and keys that are not secret names, with one LIST of the detailed metadata", async () => {
    const prefix = unique("list");
    const { logger, lines } = captureLogger();
    const p = await provider({ prefix, logger });
    await p.set("A_ONE", "1");
    await p.set("B_TWO", "2");
    await root("POST", `secret/data/${prefix}/not-a-name`, { data: { value: "x" } });
    await root("POST", `secret/data/${prefix}/folder/INNER`, { data: { value: "x" } });
    lines.length = 0;
    expect(await p.list()).toEqual(["A_ONE", "B_TWO"]);
    expect(requestsIn(lines, "LIST", "/detailed-metadata/")).toHaveLength(1);
    expect(requestsIn(lines)).toHaveLength(1);
  });

  it("without a prefix, secrets live at the mount's root", async () => {
    const mount = await enableKv(2);
    const p = await createVaultProvider({ url: addr, token, mount });
    open.push(p);
    await p.set("SECRET_KEY", "at-the-root");
    await root("POST", `${mount}/data/team/OTHER`, { data: { value: "x" } });
    expect((await root("GET", `${mount}/data/SECRET_KEY`)).data.data.value).toBe("at-the-root");
    expect(await p.list()).toEqual(["SECRET_KEY"]);
  });

  it("a get is one request", async () => {
    const { logger, lines } = captureLogger();
    const p = await provider({ logger });
    await p.set("SECRET_KEY", "v");
    lines.length = 0;
    await p.get("SECRET_KEY");
    await p.get("MISSING");
    expect(requestsIn(lines)).toHaveLength(2);
  });

  it("reads what the bao CLI wrote, and the bao CLI reads what it wrote", async () => {
    const prefix = unique("interop");
    const put = await bao(["kv", "put", "-mount=secret", `${prefix}/DATABASE_URL`, "value=from-the-cli"]);
    expect(put.code, put.stderr).toBe(0);
    const p = await provider({ prefix });
    expect(await p.get("DATABASE_URL")).toMatchObject({ value: "from-the-cli", version: "1" });

    await p.set("SECRET_KEY", "from-the-provider with spaces\nand a newline");
    const got = await bao(["kv", "get", "-mount=secret", "-field=value", `${prefix}/SECRET_KEY`]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe("from-the-provider with spaces\nand a newline");
  });

  it("works through the SecretManager with versions", async () => {
    const p = await provider();
    const manager = new SecretManager({ provider: p, cacheTtlMs: 0 });
    await manager.setSecret("SECRET_KEY", "m-1", { ifAbsent: true });
    const record = await manager.getSecretRecord("SECRET_KEY");
    await manager.setSecret("SECRET_KEY", "m-2", { ifVersion: record?.version as string });
    expect(await manager.getSecret("SECRET_KEY", { version: "previous" })).toBe("m-1");
    expect(await manager.getSecret("SECRET_KEY")).toBe("m-2");
  });

  it("a mount that does not exist is reported with what to check", async () => {
    const error = await createVaultProvider({ url: addr, token, mount: "no-such-mount" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toMatch(
      /^Vault has no mount at 'no-such-mount\/' that this token may use \(.*\): check VAULT_MOUNT_POINT and the token's policies, or set VAULT_KV_VERSION/,
    );
  });

  it("with the KV version given, a wrong mount is an error, not a missing secret", async () => {
    const p = await provider({ mount: "no-such-mount", prefix: "app", kvVersion: 2 });
    const error = await p.get("SECRET_KEY").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe(
      "Vault has no such path no-such-mount/data/app/SECRET_KEY: check VAULT_MOUNT_POINT and that a KV secrets engine is mounted there",
    );
    await expect(p.list()).rejects.toThrow(/^Vault has no such path no-such-mount\/metadata\/app/);
  });

  it("a mount that is not KV is refused", async () => {
    const error = await createVaultProvider({ url: addr, token, mount: "cubbyhole" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe(
      "The mount 'cubbyhole/' is a 'cubbyhole' secrets engine, not KV: set VAULT_MOUNT_POINT to a KV mount",
    );
  });
});

describe("a node-vault client built by the user", () => {
  it("is used as given, with its own address and token", async () => {
    const { default: nodeVault } = await import("node-vault");
    const client = nodeVault({ endpoint: addr, token });
    const prefix = unique("client");
    const p = await createVaultProvider({ client, prefix });
    open.push(p);
    await p.set("SECRET_KEY", "through-your-client", { ifAbsent: true });
    expect((await p.get("SECRET_KEY"))?.value).toBe("through-your-client");
    expect((await root("GET", `secret/data/${prefix}/SECRET_KEY`)).data.data.value).toBe(
      "through-your-client",
    );
    expect((await p.check()).details).toMatchObject({ url: addr, auth_method: "client" });
  });
});
