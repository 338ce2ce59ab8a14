import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { SecretManager } from "@org/secrets-core";
import {
  AccessDeniedError,
  AuthenticationError,
  ProviderNotConfiguredError,
  SecretConfigError,
} from "@org/secrets-core/provider";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { readDatabaseUrl } from "../examples/read-secrets.js";
import { createProvider, createVaultProvider, type VaultProvider } from "../src/index.js";
import { captureLogger, createToken, root, server, unique, writePolicy } from "./support/vault.js";

const { addr, token } = server();
const open: VaultProvider[] = [];
let dir = "";

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "vault-auth-test-"));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

function keep<T extends VaultProvider>(p: T): T {
  open.push(p);
  return p;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The least-privilege policies published in the README, for `prefix` instead of `myapp`. */
async function readmePolicy(layout: "per-secret" | "document", prefix: string): Promise<string> {
  const readme = await fs.readFile(new URL("../README.md", import.meta.url), "utf8");
  const blocks = [...readme.matchAll(/```hcl\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const block = blocks.find((b) => b.startsWith(`# Policy: ${layout} layout`));
  if (!block) throw new Error(`README.md has no policy block for the ${layout} layout`);
  return block.replaceAll("myapp", prefix);
}

async function appRole(policies: string[], role: Record<string, unknown> = {}) {
  const mount = unique("approle");
  await root("POST", `sys/auth/${mount}`, { type: "approle" });
  await root("POST", `auth/${mount}/role/app`, { token_policies: policies, token_ttl: "1h", ...role });
  const roleId = (await root("GET", `auth/${mount}/role/app/role-id`)).data.role_id as string;
  const secretId = (await root("POST", `auth/${mount}/role/app/secret-id`, {})).data.secret_id as string;
  return { mount, roleId, secretId };
}

describe("AppRole", () => {
  it("logs in with the README's per-secret policy and can do everything the CLI does", async () => {
    const prefix = unique("approle-app");
    const policy = unique("policy");
    await writePolicy(policy, await readmePolicy("per-secret", prefix));
    const { mount, roleId, secretId } = await appRole([policy]);
    const { logger, lines } = captureLogger();
    const p = keep(
      await createProvider({
        env: {
          VAULT_ADDR: addr,
          VAULT_AUTH_METHOD: "approle",
          VAULT_ROLE_ID: roleId,
          VAULT_SECRET_ID: secretId,
          VAULT_APPROLE_MOUNT: mount,
          VAULT_PATH_PREFIX: prefix,
        },
        cwd: dir,
        logger,
      }),
    );
    expect(lines.filter((l) => l.includes("vault.login ")).length).toBe(1);

    await p.set("SECRET_KEY", "a-1", { ifAbsent: true });
    await p.set("SECRET_KEY", "a-2", { ifVersion: "1", metadata: { rotatedAt: "2026-01-01T00:00:00.000Z" } });
    expect(await p.get("SECRET_KEY")).toMatchObject({
      value: "a-2",
      metadata: { rotatedAt: "2026-01-01T00:00:00.000Z" },
    });
    expect((await p.get("SECRET_KEY", { version: "previous" }))?.value).toBe("a-1");
    expect(await p.list()).toEqual(["SECRET_KEY"]);
    expect(await p.delete("SECRET_KEY")).toBe(true);
    await p.set("SECRET_KEY", "a-3", { ifAbsent: true });
    await p.delete("SECRET_KEY");
    await p.restore("SECRET_KEY");
    expect((await p.get("SECRET_KEY"))?.value).toBe("a-3");
    expect(await p.delete("SECRET_KEY", { permanent: true })).toBe(true);
    expect((await p.check()).details).toMatchObject({ auth_method: "approle", kv_version: 2 });
  });

  it("logs in with the README's document-layout policy", async () => {
    const prefix = unique("approle-doc");
    const policy = unique("policy");
    await writePolicy(policy, await readmePolicy("document", prefix));
    const { mount, roleId, secretId } = await appRole([policy]);
    const p = keep(
      await createVaultProvider({
        url: addr,
        auth: { method: "approle", roleId, secretId, mount },
        layout: "document",
        prefix,
      }),
    );
    await p.set("SECRET_KEY", "d-1", { ifAbsent: true });
    await p.set("SECRET_KEY", "d-2");
    await p.set("DATABASE_URL", "db");
    expect(Object.fromEntries((await p.getMany(["SECRET_KEY", "DATABASE_URL"])).entries())).toMatchObject({
      SECRET_KEY: { value: "d-2" },
      DATABASE_URL: { value: "db" },
    });
    expect((await p.get("SECRET_KEY", { version: "previous" }))?.value).toBe("d-1");
    expect(await p.list()).toEqual(["DATABASE_URL", "SECRET_KEY"]);
    expect(await p.delete("SECRET_KEY", { permanent: true })).toBe(true);
    await p.check();
  });

  it("reads role id and secret id from files", async () => {
    const policy = unique("policy");
    const prefix = unique("files");
    await writePolicy(policy, await readmePolicy("per-secret", prefix));
    const { mount, roleId, secretId } = await appRole([policy]);
    await fs.writeFile(path.join(dir, "role-id"), `${roleId}\n`);
    await fs.writeFile(path.join(dir, "secret-id"), `${secretId}\n`);
    const p = keep(
      await createProvider({
        env: {
          VAULT_URL: addr,
          VAULT_ROLE_ID_FILE: "role-id",
          VAULT_SECRET_ID_FILE: "secret-id",
          VAULT_APPROLE_MOUNT: mount,
          VAULT_PATH_PREFIX: prefix,
        },
        cwd: dir,
        logger: captureLogger().logger,
      }),
    );
    await p.set("SECRET_KEY", "from-files");
    expect((await p.get("SECRET_KEY"))?.value).toBe("from-files");
  });

  it("a refused login says why, and never shows the secret id", async () => {
    const { mount, roleId } = await appRole(["default"]);
    const wrong = `wrong-${randomBytes(8).toString("hex")}`;
    const error = await createVaultProvider({
      url: addr,
      auth: { method: "approle", roleId, secretId: wrong, mount },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe(
      `Vault authentication failed: invalid role or secret ID (AppRole login at auth/${mount})`,
    );
    expect(JSON.stringify(error)).not.toContain(wrong);
  });

  it("logs in again when its token has expired", async () => {
    const prefix = unique("relogin");
    const policy = unique("policy");
    await writePolicy(policy, await readmePolicy("per-secret", prefix));
    const { mount, roleId, secretId } = await appRole([policy], { token_ttl: "2s", token_max_ttl: "2s" });
    const { logger, lines } = captureLogger();
    const p = keep(
      await createVaultProvider({
        url: addr,
        auth: { method: "approle", roleId, secretId, mount },
        prefix,
        renewToken: false,
        logger,
      }),
    );
    const logins = () => lines.filter((l) => l.includes("vault.login ")).length;
    const expired = () => lines.filter((l) => l.includes("vault.login.expired")).length;
    await p.set("SECRET_KEY", "before-expiry");
    // Counted from here: on a slow machine the write itself may already have outlived the 2 s token.
    const [loginsBefore, expiredBefore] = [logins(), expired()];
    await sleep(3_000);
    expect((await p.get("SECRET_KEY"))?.value).toBe("before-expiry");
    expect(logins() - loginsBefore).toBe(1);
    expect(expired() - expiredBefore).toBe(1);
  });

  it("replaces a token that reaches its maximum TTL before it expires", async () => {
    const prefix = unique("refresh");
    const policy = unique("policy");
    await writePolicy(policy, await readmePolicy("per-secret", prefix));
    const { mount, roleId, secretId } = await appRole([policy], { token_ttl: "2s", token_max_ttl: "3s" });
    const { logger, lines } = captureLogger();
    const p = keep(
      await createVaultProvider({
        url: addr,
        auth: { method: "approle", roleId, secretId, mount },
        prefix,
        logger,
      }),
    );
    await p.set("SECRET_KEY", "kept-fresh");
    await sleep(4_000);
    expect((await p.get("SECRET_KEY"))?.value).toBe("kept-fresh");
    // Renewed once (capped by the max TTL), then replaced by a new login before expiring.
    expect(lines.filter((l) => l.includes("vault.token.renewed")).length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((l) => l.includes("vault.login ")).length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.includes("vault.login.expired"))).toEqual([]);
  });
});

describe("tokens", () => {
  it("a token restricted by policy gets AccessDeniedError naming the forbidden path", async () => {
    const prefix = unique("restricted");
    const policy = unique("policy");
    await writePolicy(
      policy,
      `path "secret/data/${prefix}/ALLOWED" { capabilities = ["read", "create", "update"] }\n`,
    );
    const restricted = await createToken({ policies: [policy] });
    const { logger, lines } = captureLogger();
    const p = keep(await createVaultProvider({ url: addr, token: restricted, prefix, logger }));
    await p.set("ALLOWED", "fine");
    expect((await p.get("ALLOWED"))?.value).toBe("fine");
    const error = await p.get("FORBIDDEN").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).secret).toBe("FORBIDDEN");
    expect((error as Error).message).toBe(
      `Vault denied read on secret/data/${prefix}/FORBIDDEN (permission denied): the token's policies must grant "read" on this path`,
    );
    const write = await p.set("FORBIDDEN", "nope").catch((e: unknown) => e);
    expect((write as Error).message).toMatch(/^Vault denied create\/update on secret\/data\/.*\/FORBIDDEN/);
    // The token still works: the provider asked Vault once per denial and did not treat it as expired.
    expect(lines.filter((l) => l.includes("path=auth/token/lookup-self")).length).toBeGreaterThanOrEqual(2);
    expect((await p.get("ALLOWED"))?.value).toBe("fine");
  });

  it("a short-TTL renewable token is renewed before it expires and keeps working", async () => {
    const prefix = unique("renew");
    const child = await createToken({
      policies: ["default"],
      ttl: "3s",
      renewable: true,
      explicitMaxTtl: "1m",
    });
    const policy = unique("policy");
    await writePolicy(policy, await readmePolicy("per-secret", prefix));
    const renewable = await createToken({
      policies: [policy],
      ttl: "3s",
      renewable: true,
      explicitMaxTtl: "1m",
    });
    const { logger, lines } = captureLogger();
    const p = keep(await createVaultProvider({ url: addr, token: renewable, prefix, logger }));
    await p.set("SECRET_KEY", "still-here");
    await sleep(4_500);
    // Past the original 3 s TTL: only a renewed token still works.
    expect((await p.get("SECRET_KEY"))?.value).toBe("still-here");
    const lookup = await root("POST", "auth/token/lookup", { token: renewable });
    expect(lookup.data.last_renewal_time).toBeGreaterThan(0);
    expect(lookup.data.ttl).toBeGreaterThan(0);
    // Renewed again and again: by now a second time, or soon on a slow machine.
    await vi.waitFor(
      () => expect(lines.filter((l) => l.includes("vault.token.renewed")).length).toBeGreaterThanOrEqual(2),
      { timeout: 20_000, interval: 100 },
    );
    // An un-renewed token of the same kind is gone by now.
    const dead = await root("POST", "auth/token/lookup", { token: child }, { allow: [400, 403] });
    expect(dead?.data).toBeUndefined();
  });

  it("an invalid token fails with Vault authentication failed, never showing the token", async () => {
    const bogus = `s.${randomBytes(12).toString("hex")}`;
    const error = await createVaultProvider({ url: addr, token: bogus }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe(
      "Vault authentication failed: the token was rejected (permission denied): it is invalid, expired or revoked; check VAULT_TOKEN",
    );
    expect(JSON.stringify(error)).not.toContain(bogus);
  });

  it("re-reads VAULT_TOKEN_FILE when the token in it stopped working", async () => {
    const prefix = unique("tokenfile");
    const policy = unique("policy");
    await writePolicy(policy, await readmePolicy("per-secret", prefix));
    const createdAt = Date.now();
    const first = await createToken({ policies: [policy], ttl: "3s", renewable: false });
    const file = path.join(dir, "token");
    await fs.writeFile(file, first);
    const p = keep(
      await createProvider({
        env: { VAULT_URL: addr, VAULT_TOKEN_FILE: "token", VAULT_PATH_PREFIX: prefix },
        cwd: dir,
        logger: captureLogger().logger,
      }),
    );
    await p.set("SECRET_KEY", "v");
    // Until the first token has expired, counted from its creation (not from a write that may be slow).
    await sleep(createdAt + 3_500 - Date.now());
    await fs.writeFile(file, await createToken({ policies: [policy] }));
    expect((await p.get("SECRET_KEY"))?.value).toBe("v");
  });

  it("a credential or CA file that is not a regular file, or too large, is refused at once and never read", async () => {
    const fifo = path.join(dir, "token-fifo");
    execFileSync("mkfifo", [fifo]);
    const large = path.join(dir, "token-large");
    await fs.writeFile(large, "t".repeat(64 * 1024 + 1));
    const exact = path.join(dir, "token-exact");
    // Exactly the limit, blanks around the token included: accepted.
    await fs.writeFile(exact, `${token}${" ".repeat(64 * 1024 - token.length)}`);
    const attempt = (env: Record<string, string>) =>
      createProvider({ env: { VAULT_URL: addr, ...env }, cwd: dir, logger: captureLogger().logger }).catch(
        (e: unknown) => e,
      );
    const reasons: Array<[Record<string, string>, string]> = [
      [
        { VAULT_TOKEN_FILE: fifo },
        `the token file (VAULT_TOKEN_FILE) ${fifo} is a named pipe, not a regular file`,
      ],
      [
        { VAULT_TOKEN_FILE: "/dev/zero" },
        "the token file (VAULT_TOKEN_FILE) /dev/zero is a character device, not a regular file",
      ],
      [
        { VAULT_TOKEN_FILE: dir },
        `the token file (VAULT_TOKEN_FILE) ${dir} is a directory, not a regular file`,
      ],
      [
        { VAULT_TOKEN_FILE: large },
        `the token file (VAULT_TOKEN_FILE) ${large} is larger than 64 KiB, the most it may hold`,
      ],
      [
        { VAULT_AUTH_METHOD: "kubernetes", VAULT_K8S_ROLE: "app", VAULT_K8S_JWT_FILE: fifo },
        `the Kubernetes service-account token file (VAULT_K8S_JWT_FILE) ${fifo} is a named pipe, not a regular file`,
      ],
    ];
    for (const [env, reason] of reasons) {
      const error = await attempt(env);
      expect(error, reason).toBeInstanceOf(ProviderNotConfiguredError);
      expect((error as Error).message).toBe(`Secret provider 'vault' not configured: ${reason}`);
    }
    const ca = await attempt({ VAULT_TOKEN: token, VAULT_CACERT: fifo });
    expect(ca).toBeInstanceOf(SecretConfigError);
    expect((ca as Error).message).toBe(
      `The CA certificate file ${fifo} is a named pipe, not a regular file: check VAULT_CACERT`,
    );
    const largeCa = path.join(dir, "ca-large.pem");
    await fs.writeFile(largeCa, Buffer.alloc(4 * 1024 * 1024 + 1, 0x41));
    expect(((await attempt({ VAULT_TOKEN: token, VAULT_CACERT: largeCa })) as Error).message).toBe(
      `The CA certificate file ${largeCa} is larger than 4 MiB, the most it may hold: check VAULT_CACERT`,
    );
    const accepted = keep((await attempt({ VAULT_TOKEN_FILE: exact })) as VaultProvider);
    expect((await accepted.check()).details).toMatchObject({ auth_method: "token" });
  });

  it("BAO_TOKEN and BAO_ADDR work as the last fallbacks", async () => {
    const p = keep(
      await createProvider({
        env: { BAO_ADDR: addr, BAO_TOKEN: token, VAULT_PATH_PREFIX: unique("bao") },
        cwd: dir,
        logger: captureLogger().logger,
      }),
    );
    await p.set("SECRET_KEY", "bao-env");
    expect((await p.get("SECRET_KEY"))?.value).toBe("bao-env");
  });
});

describe("Kubernetes", () => {
  let reviewer: http.Server;
  let reviewerUrl = "";
  const reviews: string[] = [];
  const validJwt = fakeServiceAccountJwt("app", "default");
  let mount = "";
  let prefix = "";

  beforeAll(async () => {
    // The small loopback TokenReview endpoint OpenBao's kubernetes auth method calls.
    reviewer = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      req.on("end", () => {
        const review = JSON.parse(body) as { spec: { token: string } };
        reviews.push(review.spec.token);
        const authenticated = review.spec.token === validJwt;
        const status = authenticated
          ? {
              authenticated: true,
              user: { username: "system:serviceaccount:default:app", uid: "uid-app", groups: [] },
            }
          : { authenticated: false, error: "token is not valid" };
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", status }));
      });
    });
    await new Promise<void>((resolve) => reviewer.listen(0, "127.0.0.1", resolve));
    const address = reviewer.address();
    reviewerUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

    // OpenBao wants a CA certificate for the API server even over plain HTTP: have its PKI engine make one.
    const pki = unique("pki");
    await root("POST", `sys/mounts/${pki}`, { type: "pki" });
    const ca = await root("POST", `${pki}/root/generate/internal`, {
      common_name: "test-ca",
      ttl: "1h",
      key_type: "ec",
    });

    mount = unique("k8s");
    prefix = unique("k8s-app");
    const policy = unique("policy");
    await writePolicy(policy, await readmePolicy("per-secret", prefix));
    await root("POST", `sys/auth/${mount}`, { type: "kubernetes" });
    await root("POST", `auth/${mount}/config`, {
      kubernetes_host: reviewerUrl,
      kubernetes_ca_cert: ca.data.certificate,
      token_reviewer_jwt: "reviewer-jwt",
      disable_local_ca_jwt: true,
    });
    await root("POST", `auth/${mount}/role/app`, {
      bound_service_account_names: ["app"],
      bound_service_account_namespaces: ["default"],
      token_policies: [policy],
      token_ttl: "1h",
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => reviewer.close(() => resolve()));
  });

  it("logs in with the service-account JWT file and a role", async () => {
    const jwtFile = path.join(dir, "sa-token");
    await fs.writeFile(jwtFile, validJwt);
    const p = keep(
      await createProvider({
        env: {
          VAULT_URL: addr,
          VAULT_AUTH_METHOD: "kubernetes",
          VAULT_K8S_ROLE: "app",
          VAULT_K8S_JWT_FILE: jwtFile,
          VAULT_K8S_MOUNT: mount,
          VAULT_PATH_PREFIX: prefix,
        },
        cwd: dir,
        logger: captureLogger().logger,
      }),
    );
    await p.set("SECRET_KEY", "from-a-pod");
    expect((await p.get("SECRET_KEY"))?.value).toBe("from-a-pod");
    expect(reviews).toContain(validJwt);
    expect((await p.check()).details).toMatchObject({ auth_method: "kubernetes" });
  });

  it("a JWT the cluster rejects gives Vault authentication failed, without the JWT", async () => {
    const jwtFile = path.join(dir, "bad-sa-token");
    const bad = fakeServiceAccountJwt("app", "default", "forged");
    await fs.writeFile(jwtFile, bad);
    const error = await createVaultProvider({
      url: addr,
      auth: { method: "kubernetes", role: "app", jwtFile, mount },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe(
      `Vault authentication failed: permission denied (Kubernetes login at auth/${mount})`,
    );
    expect(JSON.stringify(error)).not.toContain(bad);
  });

  it("a missing JWT file is a configuration problem that names the file", async () => {
    const missing = path.join(dir, "no-such-token");
    const error = await createVaultProvider({
      url: addr,
      auth: { method: "kubernetes", role: "app", jwtFile: missing, mount },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderNotConfiguredError);
    expect((error as Error).message).toBe(
      `Secret provider 'vault' not configured: cannot read the Kubernetes service-account token file (VAULT_K8S_JWT_FILE) ${missing} (ENOENT)`,
    );
  });

  it("works through the SecretManager", async () => {
    const jwtFile = path.join(dir, "sa-token-2");
    await fs.writeFile(jwtFile, validJwt);
    const p = keep(
      await createVaultProvider({
        url: addr,
        auth: { method: "kubernetes", role: "app", jwtFile, mount },
        prefix,
      }),
    );
    const manager = new SecretManager({ provider: p });
    await manager.setSecret("DATABASE_URL", "postgres://k8s");
    expect(await manager.getRequiredSecret("DATABASE_URL")).toBe("postgres://k8s");
  });
});

describe("the README", () => {
  it("shows the example verbatim, and the example works with the README's policy", async () => {
    const readme = await fs.readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await fs.readFile(new URL("../examples/read-secrets.ts", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);

    const policy = unique("policy");
    await writePolicy(policy, await readmePolicy("per-secret", "myapp"));
    // The example uses the default AppRole mount.
    await root("POST", "sys/auth/approle", { type: "approle" }, { allow: [400] });
    await root("POST", "auth/approle/role/readme", { token_policies: [policy] });
    const roleId = (await root("GET", "auth/approle/role/readme/role-id")).data.role_id as string;
    const secretId = (await root("POST", "auth/approle/role/readme/secret-id", {})).data.secret_id as string;
    const credentials = await fs.mkdtemp(path.join(dir, "credentials-"));
    await fs.writeFile(path.join(credentials, "role-id"), roleId);
    await fs.writeFile(path.join(credentials, "secret-id"), secretId);
    await root("POST", "secret/data/myapp/DATABASE_URL", { data: { value: "postgres://readme" } });
    expect(await readDatabaseUrl(addr, credentials)).toBe("postgres://readme");
  });
});

/** A JWT shaped like a Kubernetes service-account token (OpenBao reads its claims; the TokenReview decides). */
function fakeServiceAccountJwt(name: string, namespace: string, signature = "signature"): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const header = encode({ alg: "RS256", typ: "JWT" });
  const claims = encode({
    iss: "kubernetes/serviceaccount",
    sub: `system:serviceaccount:${namespace}:${name}`,
    "kubernetes.io/serviceaccount/namespace": namespace,
    "kubernetes.io/serviceaccount/service-account.name": name,
    "kubernetes.io/serviceaccount/service-account.uid": `uid-${name}`,
  });
  return `${header}.${claims}.${Buffer.from(signature).toString("base64url")}`;
}
