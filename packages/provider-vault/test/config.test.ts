import { inspect } from "node:util";
import { silentLogger } from "@org/secrets-core";
import { ProviderNotConfiguredError, SecretConfigError } from "@org/secrets-core/provider";
import { describe, expect, it } from "vitest";
import { createProvider, parseDuration, parseVaultConfig, Sensitive, VaultProvider } from "../src/index.js";

const base = { VAULT_URL: "https://vault.example.com:8200", VAULT_TOKEN: "s.token-for-config-tests" };

describe("parseVaultConfig", () => {
  it("reads the spec's variables, with defaults left to the provider", () => {
    const { config, warnings, errors, missing } = parseVaultConfig({ ...base, VAULT_MOUNT_POINT: "kv" });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(missing).toEqual([]);
    expect(config.url).toBe("https://vault.example.com:8200");
    expect(config.mount).toBe("kv");
    expect(config.auth?.method).toBe("token");
    expect(config.layout).toBeUndefined();
  });

  it("falls back from VAULT_URL to VAULT_ADDR to BAO_ADDR", () => {
    expect(
      parseVaultConfig({ VAULT_TOKEN: "t", VAULT_ADDR: "http://a:1", BAO_ADDR: "http://b:2" }).config.url,
    ).toBe("http://a:1");
    expect(parseVaultConfig({ VAULT_TOKEN: "t", BAO_ADDR: "http://b:2" }).config.url).toBe("http://b:2");
    expect(
      parseVaultConfig({ VAULT_TOKEN: "t", VAULT_URL: "http://u:0", VAULT_ADDR: "http://a:1" }).config.url,
    ).toBe("http://u:0");
  });

  it("wraps credentials so the config prints without them", () => {
    const { config } = parseVaultConfig({
      ...base,
      VAULT_AUTH_METHOD: "approle",
      VAULT_ROLE_ID: "role-id-value",
      VAULT_SECRET_ID: "secret-id-value",
    });
    const printed = `${JSON.stringify(config)} ${inspect(config, { depth: 5 })} ${String(config.auth && "secretId" in config.auth ? config.auth.secretId : "")}`;
    expect(printed).not.toContain("secret-id-value");
    expect(printed).not.toContain("role-id-value");
    expect(printed).toContain("[REDACTED]");
    const auth = config.auth as { secretId: Sensitive };
    expect(auth.secretId).toBeInstanceOf(Sensitive);
    expect(auth.secretId.reveal()).toBe("secret-id-value");
  });

  it("chooses the auth method from what is set, or from VAULT_AUTH_METHOD", () => {
    expect(
      parseVaultConfig({ VAULT_URL: base.VAULT_URL, VAULT_TOKEN_FILE: "/run/token" }).config.auth,
    ).toEqual({
      method: "token",
      tokenFile: "/run/token",
    });
    expect(
      parseVaultConfig({ VAULT_URL: base.VAULT_URL, VAULT_ROLE_ID_FILE: "/r", VAULT_SECRET_ID_FILE: "/s" })
        .config.auth,
    ).toEqual({ method: "approle", roleIdFile: "/r", secretIdFile: "/s" });
    expect(
      parseVaultConfig({
        VAULT_URL: base.VAULT_URL,
        VAULT_K8S_ROLE: "app",
        VAULT_K8S_MOUNT: "k8s-prod",
        VAULT_K8S_JWT_FILE: "/jwt",
      }).config.auth,
    ).toEqual({ method: "kubernetes", role: "app", mount: "k8s-prod", jwtFile: "/jwt" });
    expect(
      parseVaultConfig({ ...base, VAULT_AUTH_METHOD: "K8S", VAULT_K8S_ROLE: "r" }).config.auth?.method,
    ).toBe("kubernetes");
  });

  it("reports what is missing, by variable", () => {
    const none = parseVaultConfig({});
    expect(none.missing).toEqual(["VAULT_URL", "VAULT_TOKEN"]);
    expect(none.errors.map((e) => e.field)).toEqual(["VAULT_URL", "VAULT_TOKEN"]);
    expect(parseVaultConfig({ VAULT_URL: base.VAULT_URL, VAULT_AUTH_METHOD: "approle" }).missing).toEqual([
      "VAULT_ROLE_ID",
    ]);
    expect(parseVaultConfig({ VAULT_URL: base.VAULT_URL, VAULT_AUTH_METHOD: "kubernetes" }).missing).toEqual([
      "VAULT_K8S_ROLE",
    ]);
    expect(parseVaultConfig({ VAULT_URL: base.VAULT_URL, VAULT_AUTH_METHOD: "token" }).missing).toEqual([
      "VAULT_TOKEN",
    ]);
    expect(parseVaultConfig({ ...base, VAULT_LAYOUT: "document" }).missing).toEqual(["VAULT_PATH_PREFIX"]);
  });

  it("names the variable of every invalid value", () => {
    const { errors } = parseVaultConfig({
      VAULT_URL: "vault.example.com",
      VAULT_TOKEN: "t",
      VAULT_LAYOUT: "flat",
      VAULT_KV_VERSION: "3",
      VAULT_CLIENT_TIMEOUT: "soon",
      VAULT_MAX_RETRIES: "-1",
      VAULT_MOUNT_POINT: "secret/../sys",
      VAULT_PATH_PREFIX: "./x",
      VAULT_AUTH_METHOD: "ldap",
    });
    expect(errors.map((e) => e.field).sort()).toEqual(
      [
        "VAULT_AUTH_METHOD",
        "VAULT_CLIENT_TIMEOUT",
        "VAULT_KV_VERSION",
        "VAULT_LAYOUT",
        "VAULT_MAX_RETRIES",
        "VAULT_MOUNT_POINT",
        "VAULT_PATH_PREFIX",
        "VAULT_URL",
      ].sort(),
    );
    for (const error of errors) {
      expect(error).toBeInstanceOf(SecretConfigError);
      expect(error.provider).toBe("vault");
      expect(error.message).toContain(error.field as string);
    }
  });

  it("turns TLS verification off only for 1 or true, with a warning", () => {
    for (const value of ["1", "true", "TRUE"]) {
      const { config, warnings } = parseVaultConfig({ ...base, VAULT_SKIP_VERIFY: value });
      expect(config.skipVerify).toBe(true);
      expect(warnings[0]).toMatch(/^VAULT_SKIP_VERIFY is set: Vault's TLS certificate is not verified/);
    }
    for (const value of ["0", "false"]) {
      const { config, warnings } = parseVaultConfig({ ...base, VAULT_SKIP_VERIFY: value });
      expect(config.skipVerify).toBeUndefined();
      expect(warnings).toEqual([]);
    }
    const yes = parseVaultConfig({ ...base, VAULT_SKIP_VERIFY: "yes" });
    expect(yes.config.skipVerify).toBeUndefined();
    expect(yes.warnings).toEqual([
      "VAULT_SKIP_VERIFY is set to something other than 1 or true: TLS verification stays on",
    ]);
  });

  it("reads the other settings", () => {
    const { config, errors } = parseVaultConfig({
      ...base,
      VAULT_NAMESPACE: "team-a",
      VAULT_CACERT: "/etc/ca.pem",
      VAULT_PATH_PREFIX: "myapp",
      VAULT_LAYOUT: "Document",
      VAULT_KV_VERSION: "2",
      VAULT_TIMEOUT: "1m30s",
      VAULT_MAX_RETRIES: "5",
    });
    expect(errors).toEqual([]);
    expect(config).toMatchObject({
      namespace: "team-a",
      caCertFile: "/etc/ca.pem",
      prefix: "myapp",
      layout: "document",
      kvVersion: 2,
      timeoutMs: 90_000,
      maxRetries: 5,
    });
  });
});

describe("parseDuration", () => {
  it("reads seconds and Go-style durations", () => {
    expect(parseDuration("30")).toBe(30_000);
    expect(parseDuration("1.5")).toBe(1_500);
    expect(parseDuration("1500ms")).toBe(1_500);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("1h2m3s")).toBe(3_723_000);
    expect(parseDuration("soon")).toBeUndefined();
    expect(parseDuration("10x")).toBeUndefined();
  });
});

describe("createProvider without configuration", () => {
  it("says 'Secret provider 'vault' not configured' and what to set", async () => {
    const error = await createProvider({ env: {}, cwd: process.cwd(), logger: silentLogger }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderNotConfiguredError);
    expect((error as ProviderNotConfiguredError).missing).toEqual(["VAULT_URL", "VAULT_TOKEN"]);
    expect((error as Error).message).toBe(
      "Secret provider 'vault' not configured: VAULT_URL is not set: set it (or VAULT_ADDR) to the Vault address, for example https://vault.example.com:8200; no Vault credentials: set VAULT_TOKEN (or VAULT_TOKEN_FILE), or VAULT_AUTH_METHOD=approle with VAULT_ROLE_ID and VAULT_SECRET_ID, or VAULT_AUTH_METHOD=kubernetes with VAULT_K8S_ROLE",
    );
  });

  it("throws the SecretConfigError of an invalid value", async () => {
    const error = await createProvider({
      env: { ...base, VAULT_LAYOUT: "flat" },
      cwd: process.cwd(),
      logger: silentLogger,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as SecretConfigError).field).toBe("VAULT_LAYOUT");
  });
});

describe("VaultProvider options", () => {
  it("validates without touching the network and keeps the token out of sight", () => {
    const provider = new VaultProvider({ url: "http://127.0.0.1:1", token: "s.never-printed" });
    expect(provider.name).toBe("vault");
    expect(provider.displayName).toBe("Vault");
    expect(inspect(provider, { depth: 10, showHidden: true })).not.toContain("s.never-printed");
    expect(JSON.stringify(provider)).not.toContain("s.never-printed");
  });

  it("refuses missing address and credentials, and invalid values, naming the field", () => {
    expect(() => new VaultProvider({ token: "t" })).toThrow(ProviderNotConfiguredError);
    expect(() => new VaultProvider({ url: "http://x:1" })).toThrow(
      "Secret provider 'vault' not configured: no Vault credentials",
    );
    expect(() => new VaultProvider({ url: "ftp://x", token: "t" })).toThrow(
      /^Invalid Vault address: the scheme must be http:\/\/ or https:\/\//,
    );
    expect(() => new VaultProvider({ url: "http://x:1", token: "t", mount: "/" })).toThrow(
      "The Vault mount cannot be empty",
    );
    expect(() => new VaultProvider({ url: "http://x:1", token: "t", prefix: "a/../b" })).toThrow(
      /Invalid prefix: prefix cannot contain '.' or '..' segments/,
    );
    expect(() => new VaultProvider({ url: "http://x:1", token: "t", timeoutMs: 0 })).toThrow(
      /Invalid timeoutMs/,
    );
    expect(() => new VaultProvider({ url: "http://x:1", auth: { method: "approle" } })).toThrow(
      "AppRole login needs a role id",
    );
    // A user's client carries its own address and token.
    expect(() => new VaultProvider({ client: { request: async () => ({}) } })).not.toThrow();
  });

  it("shows user info of an address nowhere", () => {
    expect(() => new VaultProvider({ url: "mailto://user:pw@x", token: "t" })).toThrow(
      "Invalid Vault address: the scheme must be http:// or https://; use an address such as https://vault.example.com:8200",
    );
    expect(() => new VaultProvider({ url: "https://user:hunter2-pw@x:8200", token: "t" })).toThrow(
      "Invalid Vault address: credentials in the address are not allowed (use VAULT_TOKEN or another auth method); use an address such as https://vault.example.com:8200",
    );
  });

  it("never repeats what a VAULT_* variable held, saying what is wrong instead", () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [
        { VAULT_URL: "https://admin:Pa55-word-xyz@vault:8200" },
        "VAULT_URL",
        /credentials in the address are not allowed/,
      ],
      [
        { VAULT_URL: "https://vault:8200/?token=s.qwertyuiop123" },
        "VAULT_URL",
        /a query or fragment is not allowed/,
      ],
      [{ VAULT_URL: "vault.internal-s.qwertyuiop123" }, "VAULT_URL", /the scheme is missing/],
      [
        { VAULT_URL: "ftp://vault-s.qwertyuiop123" },
        "VAULT_URL",
        /the scheme must be http:\/\/ or https:\/\//,
      ],
      [{ VAULT_URL: "http://" }, "VAULT_URL", /not a valid address|host is missing/],
      [{ VAULT_AUTH_METHOD: "s.qwertyuiop123" }, "VAULT_AUTH_METHOD", /use token, approle or kubernetes/],
      [{ VAULT_LAYOUT: "s.qwertyuiop123" }, "VAULT_LAYOUT", /use per-secret or document/],
      [{ VAULT_KV_VERSION: "s.qwertyuiop123" }, "VAULT_KV_VERSION", /use 1 or 2/],
      [{ VAULT_CLIENT_TIMEOUT: "s.qwertyuiop123" }, "VAULT_CLIENT_TIMEOUT", /use seconds/],
      [{ VAULT_MAX_RETRIES: "s.qwertyuiop123" }, "VAULT_MAX_RETRIES", /whole number/],
      [{ VAULT_MOUNT_POINT: "s.qwertyuiop123/../x" }, "VAULT_MOUNT_POINT", /'\.' and '\.\.' segments/],
      [{ VAULT_PATH_PREFIX: "s.qwertyuiop123/.." }, "VAULT_PATH_PREFIX", /'\.' and '\.\.' segments/],
      [
        { VAULT_REDIRECT_ALLOW: "https://a:8200,https://u:s.qwertyuiop123@b:8200" },
        "VAULT_REDIRECT_ALLOW",
        /entry 2: credentials/,
      ],
      [
        { VAULT_REDIRECT_ALLOW: "https://b:8200/v1/secret?x=s.qwertyuiop123" },
        "VAULT_REDIRECT_ALLOW",
        /without a path, query or fragment/,
      ],
    ];
    for (const [env, field, reason] of cases) {
      const { errors, warnings } = parseVaultConfig({
        VAULT_URL: "https://vault:8200",
        VAULT_TOKEN: "s.token-in-env",
        ...env,
      });
      const error = errors.find((e) => e.field === field);
      expect(error, field).toBeDefined();
      expect(error?.message).toMatch(reason);
      const text = [...errors.map((e) => `${e.message} ${e.stack}`), ...warnings].join("\n");
      for (const secret of ["s.qwertyuiop123", "Pa55-word-xyz", "s.token-in-env", "admin"])
        expect(text, field).not.toContain(secret);
    }
    const ok = parseVaultConfig({
      ...base,
      VAULT_REDIRECT_ALLOW: " https://vault-1.internal:8200 ,http://10.0.0.2:8200",
    });
    expect(ok.errors).toEqual([]);
    expect(ok.config.redirectAllow).toEqual(["https://vault-1.internal:8200", "http://10.0.0.2:8200"]);
  });
});
