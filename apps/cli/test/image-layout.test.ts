/**
 * The layout of deploy/Dockerfile, without building an image: the bundle alone
 * in a read-only folder (/opt/secrets), the application's read-only working
 * directory (/app) with its manifest, one writable temporary folder (the
 * emptyDir at /tmp), no HOME, no node_modules anywhere, and every command run
 * as an unprivileged user (nobody, when the tests run as root). `init` and
 * `health` (and `run`) then work with the env provider, with Vault (a token from a mounted
 * file, a real OpenBao) and with AWS (web-identity credentials, IRSA-style,
 * against a real moto), and the image's entrypoint runs `init` before the
 * application and stops the container when `init` fails.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CliResult,
  HostileProxy,
  motoEnv,
  type OpenBaoServer,
  type RunningServer,
  runProcess,
  startMoto,
  startOpenBao,
} from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { giveToUser, unprivileged } from "./unprivileged.js";

const NODE_MAJOR = Number.parseInt(process.versions.node, 10);
/** What `health` says, once, on a Node.js the AWS SDK will stop supporting (nothing on Node.js 22 and later). */
const SDK_NODE_NOTICE =
  NODE_MAJOR < 22
    ? `Warning: AWS SDK releases after January 2027 need Node.js 22 or later; this is Node.js ${NODE_MAJOR}.x\n`
    : "";

const bundle = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const entrypointSource = fileURLToPath(new URL("../../../deploy/docker-entrypoint.sh", import.meta.url));

const manifest = [
  "version: 1",
  "secrets:",
  "  API_TOKEN: { generate: { kind: base64url, length: 43 } }",
  "  SESSION_KEY: { generate: { kind: hex, length: 64 } }",
  "",
].join("\n");

let base: string;
let opt: string; // /opt/secrets, read-only, holding secrets.cjs alone
let app: string; // /app, read-only, the working directory
let tmp: string; // the writable emptyDir
let cli: string;
let entrypoint: string; // copied into the layout, as the image does: the checkout may be private to its owner

/** Runs `file args` as the unprivileged user in /app with exactly this environment (plus PATH). */
function run(file: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return runProcess(file, args, {
    cwd: app,
    env: { HOME: "/nonexistent", TMPDIR: tmp, ...env },
    user: unprivileged,
  });
}

const secrets = (args: string[], env: Record<string, string>) => run(process.execPath, [cli, ...args], env);

/** A file the unprivileged user alone may read, like a mounted Secret or a projected token. */
function privateFile(name: string, content: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content, { mode: 0o400 });
  giveToUser(file);
  return file;
}

beforeAll(() => {
  expect(existsSync(bundle), "build apps/cli first").toBe(true);
  base = mkdtempSync(path.join(tmpdir(), "secrets-image-"));
  chmodSync(base, 0o755);
  opt = path.join(base, "opt", "secrets");
  app = path.join(base, "app");
  tmp = path.join(base, "tmp");
  mkdirSync(opt, { recursive: true });
  mkdirSync(app);
  mkdirSync(tmp, { mode: 0o700 });
  giveToUser(tmp);
  cli = path.join(opt, "secrets.cjs");
  copyFileSync(bundle, cli);
  chmodSync(cli, 0o755);
  const bin = path.join(base, "usr", "local", "bin");
  mkdirSync(bin, { recursive: true });
  entrypoint = path.join(bin, "docker-entrypoint.sh");
  copyFileSync(entrypointSource, entrypoint);
  chmodSync(entrypoint, 0o755);
  writeFileSync(path.join(app, "secrets.yaml"), manifest, { mode: 0o644 });
  // What the image's root owns, nobody may write: not even its owner, here.
  for (const dir of [opt, path.dirname(opt), app]) chmodSync(dir, 0o555);
});

afterAll(() => {
  for (const dir of [opt, path.dirname(opt), app]) chmodSync(dir, 0o755);
  rmSync(base, { recursive: true, force: true });
});

describe("the image layout", () => {
  it("runs as an unprivileged user, the bundle alone, no node_modules up the tree", async () => {
    const whoami = await run(process.execPath, ["-e", "process.stdout.write(String(process.getuid()))"], {});
    expect(whoami.code).toBe(0);
    expect(Number(whoami.stdout)).not.toBe(0);
    expect(readdirSync(opt)).toEqual(["secrets.cjs"]);
    for (let dir = opt; ; dir = path.dirname(dir)) {
      expect(existsSync(path.join(dir, "node_modules")), dir).toBe(false);
      if (path.dirname(dir) === dir) break;
    }
    // The working directory really is read-only for the user.
    const write = await run(process.execPath, ["-e", "require('fs').writeFileSync('probe', '')"], {});
    expect(write.code).not.toBe(0);
    expect(readdirSync(app)).toEqual(["secrets.yaml"]);
  });

  it("env provider: init writes only the one writable file, then health is healthy", async () => {
    const envFile = path.join(tmp, "app.env");
    const env = { SECRET_ENV_FILE: envFile };
    const init = await secrets(["init"], env);
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/^API_TOKEN\s+created$/m);
    expect(init.stdout).toMatch(/^SESSION_KEY\s+created$/m);
    const file = statSync(envFile);
    expect(file.mode & 0o777).toBe(0o600);
    expect(file.uid).not.toBe(0);
    expect(readFileSync(envFile, "utf8")).toMatch(/^API_TOKEN=[A-Za-z0-9_-]{43}$/m);
    expect(readdirSync(app)).toEqual(["secrets.yaml"]);
    const health = await secrets(["health"], env);
    expect(health.code, health.stderr).toBe(0);
    expect(health.stdout).toMatch(/^Status: healthy/m);
  });

  it("env provider: run starts the command with the secrets in its environment and passes its exit code on", async () => {
    const envFile = path.join(tmp, "run.env");
    const env = { SECRET_ENV_FILE: envFile };
    const init = await secrets(["init"], env);
    expect(init.code, init.stderr).toBe(0);
    const stored = Object.fromEntries(
      readFileSync(envFile, "utf8")
        .split("\n")
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    expect(Object.keys(stored).sort()).toEqual(["API_TOKEN", "SESSION_KEY"]);
    const child = `
      const { API_TOKEN, SESSION_KEY } = process.env;
      process.stdout.write(JSON.stringify({ API_TOKEN, SESSION_KEY, uid: process.getuid() }));
      process.exit(7);
    `;
    const result = await secrets(["run", "--", process.execPath, "-e", child], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(7);
    const seen = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(seen.API_TOKEN).toBe(stored.API_TOKEN);
    expect(seen.SESSION_KEY).toBe(stored.SESSION_KEY);
    expect(seen.uid).not.toBe(0);
    // --only: that secret alone; a command that is not there: 127, nothing started.
    const only = await secrets(
      [
        "run",
        "--only",
        "SESSION_KEY",
        "--",
        process.execPath,
        "-e",
        "process.exit(process.env.API_TOKEN === undefined && process.env.SESSION_KEY ? 0 : 1)",
      ],
      env,
    );
    expect(only.code, only.stderr).toBe(0);
    const missing = await secrets(["run", "--", path.join(tmp, "no-such-program")], env);
    expect(missing.code).toBe(127);
    expect(missing.stderr).not.toContain(String(stored.API_TOKEN));
    expect(readdirSync(app)).toEqual(["secrets.yaml"]);
  });

  describe("Vault, with the token in a mounted file", () => {
    let bao: OpenBaoServer;
    beforeAll(async () => {
      bao = await startOpenBao();
    });
    afterAll(async () => {
      await bao?.stop();
    });

    it("init creates each secret once in Vault, health is healthy", async () => {
      const env = {
        SECRET_PROVIDER: "vault",
        VAULT_URL: bao.url,
        VAULT_TOKEN_FILE: privateFile("vault-token", bao.token),
        VAULT_MOUNT_POINT: "secret",
        VAULT_PATH_PREFIX: "image-layout",
      };
      const init = await secrets(["init"], env);
      expect(init.stderr).toBe("");
      expect(init.code).toBe(0);
      expect(init.stdout).toMatch(/^API_TOKEN\s+created$/m);
      for (const name of ["API_TOKEN", "SESSION_KEY"]) {
        const stored = await bao.api("GET", `secret/metadata/image-layout/${name}`);
        expect(stored.status, name).toBe(200);
        expect((stored.body as { data: { current_version: number } }).data.current_version, name).toBe(1);
      }
      const again = await secrets(["init"], env);
      expect(again.code).toBe(0);
      expect(again.stdout).not.toMatch(/created/);
      const health = await secrets(["health"], env);
      expect(health.code, health.stderr).toBe(0);
      expect(health.stdout).toMatch(/^Status: healthy/m);
      expect(readdirSync(app)).toEqual(["secrets.yaml"]);
    });
  });

  describe("AWS, with web-identity credentials (IRSA)", () => {
    let moto: RunningServer;
    let proxy: HostileProxy;
    beforeAll(async () => {
      moto = await startMoto();
      proxy = await new HostileProxy({ target: moto.url, flavor: "aws" }).start();
    });
    afterAll(async () => {
      await proxy?.stop();
      await moto?.stop();
    });

    it("exchanges the projected token once, signs every call with the role's credentials, creates each secret", async () => {
      const env = {
        SECRET_PROVIDER: "aws",
        AWS_REGION: "us-east-1",
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/myapp-secrets",
        AWS_WEB_IDENTITY_TOKEN_FILE: privateFile(
          "aws-token",
          // An unsigned JWT: moto does not check it, the SDK only passes it on.
          "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpteWFwcCJ9.",
        ),
        AWS_ENDPOINT_URL: proxy.url,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: path.join(tmp, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, "no-aws-credentials"),
      };
      proxy.resetCounts();
      const init = await secrets(["init"], env);
      expect(init.stderr).toBe("");
      expect(init.code).toBe(0);
      expect(init.stdout).toMatch(/^API_TOKEN\s+created$/m);
      expect(init.stdout).toMatch(/^SESSION_KEY\s+created$/m);
      const counts = proxy.countRequests();
      // One AssumeRoleWithWebIdentity (STS has no X-Amz-Target), every other call Secrets Manager's.
      expect(counts.countMatching((request) => request.operation === "")).toBe(1);
      expect(counts.count("CreateSecret")).toBe(2);
      const signed = (request: { operation: string; headers: Record<string, unknown> }) =>
        /Credential=ASIA[A-Z0-9]+\//.test(String(request.headers.authorization ?? ""));
      expect(counts.countMatching((request) => request.operation !== "" && !signed(request))).toBe(0);
      const health = await secrets(["health"], env);
      expect(health.code, health.stderr).toBe(0);
      expect(health.stdout).toMatch(/^Status: healthy/m);
      expect(health.stderr).toBe(SDK_NODE_NOTICE);
    });

    it("the SDK's Node.js warning: silent on every command, one line in health, in full at LOG_LEVEL=debug", async () => {
      const env: Record<string, string> = {
        ...motoEnv(proxy.url),
        SECRET_PROVIDER: "aws",
        SECRET_AWS_PREFIX: "warning-test/",
      };
      // motoEnv turns the SDK's warning off itself: this test is about who does.
      delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      proxy.resetCounts();
      for (const args of [["init"], ["list"], ["get", "API_TOKEN"], ["rotate", "SESSION_KEY"]]) {
        const result = await secrets(args, env);
        expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
        expect(result.stderr, args.join(" ")).toBe("");
      }
      // Each of those really built the SDK's client and reached the backend.
      expect(proxy.countRequests().count("CreateSecret")).toBe(2);
      const health = await secrets(["health"], env);
      expect(health.code, health.stderr).toBe(0);
      expect(health.stderr).toBe(SDK_NODE_NOTICE);
      const json = await secrets(["health", "--json"], env);
      expect(json.code).toBe(0);
      expect(json.stderr).toBe(SDK_NODE_NOTICE);
      expect(JSON.parse(json.stdout).status).toBe("healthy");

      const debug = await secrets(["health"], { ...env, LOG_LEVEL: "debug" });
      expect(debug.code).toBe(0);
      const full = debug.stderr.match(/NodeVersionSupportWarning/g) ?? [];
      expect(full).toHaveLength(NODE_MAJOR < 22 ? 1 : 0);
      expect(debug.stderr).not.toContain("Warning: AWS SDK releases after January 2027");
      // Switched off by the user: nothing, not even in health.
      const off = await secrets(["get", "API_TOKEN"], {
        ...env,
        LOG_LEVEL: "debug",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      });
      expect(off.stderr).not.toContain("NodeVersionSupportWarning");
      const offHealth = await secrets(["health"], {
        ...env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      });
      expect(offHealth.code).toBe(0);
      expect(offHealth.stderr).toBe("");
    });
  });

  describe("the entrypoint", () => {
    const appScript = (marker: string) => [
      process.execPath,
      "-e",
      `require('fs').writeFileSync(${JSON.stringify(marker)}, 'started')`,
    ];

    it("runs init, then the application in its place", async () => {
      const envFile = path.join(tmp, "entrypoint.env");
      const marker = path.join(tmp, "started-1");
      const result = await run("/bin/sh", [entrypoint, ...appScript(marker)], {
        SECRETS_CLI: cli,
        SECRET_ENV_FILE: envFile,
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(readFileSync(envFile, "utf8")).toMatch(/^SESSION_KEY=[0-9a-f]{64}$/m);
      expect(readFileSync(marker, "utf8")).toBe("started");
    });

    it("stops with init's exit code, and the application never starts, when init fails", async () => {
      const marker = path.join(tmp, "started-2");
      const result = await run("/bin/sh", [entrypoint, ...appScript(marker)], {
        SECRETS_CLI: cli,
        SECRET_PROVIDER: "vault",
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^Error: Secret provider 'vault' not configured: .*VAULT_URL.*\n$/);
      expect(existsSync(marker)).toBe(false);
    });

    it("with SECRETS_INIT=false starts the application without init", async () => {
      const envFile = path.join(tmp, "skipped.env");
      const marker = path.join(tmp, "started-3");
      const result = await run("/bin/sh", [entrypoint, ...appScript(marker)], {
        SECRETS_CLI: cli,
        SECRET_ENV_FILE: envFile,
        SECRETS_INIT: "false",
      });
      expect(result.code).toBe(0);
      expect(existsSync(envFile)).toBe(false);
      expect(readFileSync(marker, "utf8")).toBe("started");
    });
  });
});
