/**
 * The built `secrets` command with SECRET_PROVIDER=aws, against moto, run as a
 * user would: `node <cli>/dist/secrets.cjs …` in a project directory whose
 * node_modules holds this provider (the CLI resolves it from there).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { HostileProxy, runCli } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  boto3,
  motoEndpoint,
  PACKAGE_DIR,
  REPO_ROOT,
  TEST_SECRET_ACCESS_KEY,
  uniquePrefix,
} from "./support/aws.js";

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, "packages", "cli", "dist", "secrets.cjs");

const MANIFEST = `version: 1
secrets:
  SECRET_KEY:
    required: true
    generate: { kind: hex, length: 64 }
    rotation: 90d
  JWT_SECRET_KEY:
    required: true
    generate: base64url
    rotation: 30d
  BASIC_AUTH_PASSWORD:
    required: true
    generate: { kind: password, length: 32 }
  REDIS_PASSWORD:
    required: false
    generate: alphanumeric
  SMTP_PASSWORD:
    required: false
`;
const GENERATED = ["SECRET_KEY", "JWT_SECRET_KEY", "BASIC_AUTH_PASSWORD", "REDIS_PASSWORD"];
/** These tests start dozens of node processes, one after another or sixteen at once. */
const SLOW = 240_000;

let project: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion, with the test process's environment plus `env`; never throws for a non-zero exit. */
async function secrets(args: string[], env: Record<string, string>, input?: string): Promise<Result> {
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) inherited[name] = value;
  const result = await runCli(args, {
    bin: CLI,
    cwd: project,
    env: { ...inherited, ...env },
    stdin: input ?? "",
  });
  return { code: result.code ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  if (!existsSync(CLI))
    throw new Error(`the CLI is not built: run pnpm build in packages/cli (${CLI} is missing)`);
  project = await mkdtemp(path.join(tmpdir(), "provider-aws-cli-"));
  await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "app", private: true }));
  await writeFile(path.join(project, "secrets.yaml"), MANIFEST);
  await installProvider(path.join(project, "node_modules", "@org", "secrets-provider-aws"));
});

/**
 * Put this provider into the project's node_modules, as `npm install` (or a
 * workspace link) would: a symlink to the package. The CLI, an ES module,
 * must load its ES module build, so provider and CLI share one copy of core
 * (a conflict in `init` is then recognised and adopted, not wrapped).
 */
async function installProvider(dir: string): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  await symlink(PACKAGE_DIR, dir, "dir");
}

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe("SECRET_PROVIDER=aws secrets …", () => {
  const prefix = uniquePrefix("cli");
  const env = { SECRET_PROVIDER: "aws", SECRET_AWS_PREFIX: prefix, LOG_LEVEL: "debug" };
  const everything: string[] = [];
  const outputs: string[] = [];
  const cli = async (args: string[], input?: string) => {
    const result = await secrets(args, env, input);
    outputs.push(result.stderr, args[0] === "get" || args[0] === "export" ? "" : result.stdout);
    return result;
  };

  it(
    "init | health | export | get | set | rotate | list | delete | restore",
    async () => {
      // Nothing yet: unhealthy, required secrets missing.
      const before = await cli(["health", "--json"]);
      expect(before.code).toBe(1);
      expect(JSON.parse(before.stdout)).toMatchObject({
        status: "unhealthy",
        summary: { missingRequired: 3 },
      });

      const init = await cli(["init"]);
      expect(init.code, init.stderr).toBe(0);
      expect(init.stdout).toMatch(/SECRET_KEY\s+created/);
      expect(init.stdout).toMatch(/SMTP_PASSWORD\s+not set \(optional, cannot be generated\)/);
      expect(init.stdout).toContain("Initialized 5 secrets (aws): 4 created, 1 optional not set");

      // Each secret is its own Secrets Manager secret under the prefix, holding the raw value.
      const exported = await cli(["export", "--format", "json"]);
      expect(exported.code).toBe(0);
      const values = JSON.parse(exported.stdout) as Record<string, string>;
      expect(Object.keys(values)).toEqual(GENERATED);
      everything.push(...Object.values(values));
      const fromAws = JSON.parse(
        await boto3(
          `import boto3, json\nsm = boto3.client("secretsmanager")\nprint(json.dumps({n: sm.get_secret_value(SecretId="${prefix}/" + n)["SecretString"] for n in ${JSON.stringify(GENERATED)}}))`,
        ),
      );
      expect(fromAws).toEqual(values);

      const again = await cli(["init"]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("4 unchanged");

      const health = await cli(["health", "--json"]);
      expect(health.code).toBe(0);
      const report = JSON.parse(health.stdout);
      expect(report).toMatchObject({ status: "degraded", provider: { name: "aws", ok: true } });
      expect(report.secrets.find((s: { name: string }) => s.name === "SECRET_KEY")).toMatchObject({
        status: "ok",
        rotation: { state: "current", overdue: false },
      });

      const get = await cli(["get", "SECRET_KEY"]);
      expect(get).toMatchObject({ code: 0, stdout: values.SECRET_KEY });

      const smtp = "smtp password with spaces & symbols \"'$\n";
      everything.push(smtp);
      expect((await cli(["set", "SMTP_PASSWORD"], smtp)).code).toBe(0);
      expect((await cli(["get", "SMTP_PASSWORD"])).stdout).toBe(smtp);

      const rotate = await cli(["rotate", "SECRET_KEY", "--json"]);
      expect(rotate.code, rotate.stderr).toBe(0);
      expect(JSON.parse(rotate.stdout).secrets).toEqual([
        expect.objectContaining({
          name: "SECRET_KEY",
          action: "rotated",
          previousVersion: expect.any(String),
        }),
      ]);
      const rotated = (await cli(["get", "SECRET_KEY"])).stdout;
      everything.push(rotated);
      expect(rotated).toMatch(/^[0-9a-f]{64}$/);
      expect(rotated).not.toBe(values.SECRET_KEY);
      expect((await cli(["get", "SECRET_KEY", "--version", "previous"])).stdout).toBe(values.SECRET_KEY);

      const list = await cli(["list"]);
      expect(list.stdout.trim().split("\n")).toEqual([...GENERATED, "SMTP_PASSWORD"].sort());

      // Delete: a recovery window, reported by get, health and init with the date and how to restore.
      const deleted = await cli(["delete", "SMTP_PASSWORD", "--yes"]);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(deleted.stdout).toContain("secrets restore SMTP_PASSWORD");
      const scheduled = await cli(["get", "SMTP_PASSWORD"]);
      expect(scheduled.code).toBe(1);
      expect(scheduled.stderr).toMatch(
        /Error: Secret 'SMTP_PASSWORD' \(.*\/SMTP_PASSWORD\) is scheduled for deletion in AWS Secrets Manager and will be deleted permanently after \d{4}-\d\d-\d\dT[\d:.]+Z: restore it with secrets restore SMTP_PASSWORD/,
      );
      // Health: an optional secret in its recovery window degrades the report, and says why.
      const degraded = await cli(["health", "--json"]);
      expect(degraded.code).toBe(0);
      const smtpHealth = JSON.parse(degraded.stdout).secrets.find(
        (s: { name: string }) => s.name === "SMTP_PASSWORD",
      );
      expect(smtpHealth).toMatchObject({ status: "error", present: false });
      expect(smtpHealth.message).toMatch(
        /^Secret 'SMTP_PASSWORD' .* is scheduled for deletion in AWS Secrets Manager and will be deleted permanently after .*: restore it with secrets restore SMTP_PASSWORD$/,
      );
      const blockedInit = await cli(["init"]);
      expect(blockedInit.code).toBe(1);
      expect(blockedInit.stderr).toMatch(
        /scheduled for deletion .*restore it with secrets restore SMTP_PASSWORD/,
      );
      expect(list.stdout).toContain("SMTP_PASSWORD");
      expect((await cli(["list"])).stdout).not.toContain("SMTP_PASSWORD");

      const restored = await cli(["restore", "SMTP_PASSWORD"]);
      expect(restored.code, restored.stderr).toBe(0);
      expect((await cli(["get", "SMTP_PASSWORD"])).stdout).toBe(smtp);
      expect((await cli(["health"])).code).toBe(0);

      // --permanent: gone at once, nothing to restore.
      const purged = await cli(["delete", "SMTP_PASSWORD", "--permanent", "--yes", "--json"]);
      expect(purged.code, purged.stderr).toBe(0);
      expect(JSON.parse(purged.stdout)).toMatchObject({
        name: "SMTP_PASSWORD",
        permanent: true,
        restorable: false,
      });
      expect((await cli(["get", "SMTP_PASSWORD"])).code).toBe(4);
      expect((await cli(["restore", "SMTP_PASSWORD"])).code).toBe(4);

      // A secret that does not exist.
      const missing = await cli(["get", "NEVER_SET"]);
      expect(missing.code).toBe(4);
      const restoreMissing = await cli(["restore", "NEVER_SET"]);
      expect(restoreMissing.code).toBe(4);
      expect(restoreMissing.stderr).toContain("there is nothing to restore");
    },
    SLOW,
  );

  it(
    "health dates a rotation by the current version (every write makes one), not by tags it would need a request more for",
    async () => {
      // A rotatedAt tag set by hand is not read: health is one bulk read, and the version's date is the last change.
      await boto3(
        `import boto3\nboto3.client("secretsmanager").tag_resource(SecretId="${prefix}/JWT_SECRET_KEY", Tags=[{"Key": "secrets:rotatedAt", "Value": "2020-01-01T00:00:00.000Z"}])`,
      );
      const health = await cli(["health", "--json"]);
      expect(health.code).toBe(0);
      const jwt = JSON.parse(health.stdout).secrets.find(
        (s: { name: string }) => s.name === "JWT_SECRET_KEY",
      );
      expect(jwt).toMatchObject({ status: "ok", rotation: { state: "current" } });
      expect(Date.parse(jwt.rotation.lastRotated)).toBeGreaterThan(Date.now() - 3_600_000);
      // Rotating keeps it current: the new version's date says now.
      expect((await cli(["rotate", "JWT_SECRET_KEY"])).code).toBe(0);
      everything.push((await cli(["get", "JWT_SECRET_KEY"])).stdout);
      const after = JSON.parse((await cli(["health", "--json"])).stdout);
      expect(after.secrets.find((s: { name: string }) => s.name === "JWT_SECRET_KEY")).toMatchObject({
        status: "ok",
        rotation: { state: "current" },
      });
    },
    SLOW,
  );

  it("with LOG_LEVEL=debug, no command printed a value to stderr, nor the secret access key", () => {
    expect(outputs.join("").length).toBeGreaterThan(0);
    for (const text of outputs) {
      for (const value of everything) expect(text).not.toContain(value.trim());
      expect(text).not.toContain(TEST_SECRET_ACCESS_KEY);
    }
  });

  it(
    "a missing region is a configuration error (exit 2) naming AWS_REGION",
    async () => {
      for (const command of [["health"], ["get", "SECRET_KEY"], ["init"]]) {
        const result = await secrets(command, { ...env, AWS_REGION: "" });
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(
          /^Error: Secret provider 'aws' not configured: set AWS_REGION \(or AWS_DEFAULT_REGION, or a region in your AWS profile\)$/m,
        );
      }
    },
    SLOW,
  );
});

describe("sixteen processes run `secrets init` at the same moment", () => {
  it(
    "every secret ends with exactly one value, every process reports it, the others find it",
    async () => {
      const prefix = uniquePrefix("init16");
      // In front of moto, a gate holds each secret's CreateSecret until all sixteen processes have sent
      // theirs, then lets them through together: every process has seen the secret missing, and they race.
      const proxy = await new HostileProxy({ target: motoEndpoint(), flavor: "aws" }).start();
      proxy.also({ kind: "hold", count: 16, key: (body) => String(JSON.parse(body).Name) }, "CreateSecret");
      const env = {
        SECRET_PROVIDER: "aws",
        SECRET_AWS_PREFIX: prefix,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.url,
      };
      try {
        const results = await Promise.all(Array.from({ length: 16 }, () => secrets(["init", "--json"], env)));
        expect(proxy.held).toBe(0);
        expect(proxy.countRequests().count("CreateSecret")).toBe(16 * GENERATED.length);

        for (const result of results) expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        const reports = results.map(
          (r) => JSON.parse(r.stdout) as { secrets: Array<{ name: string; action: string }> },
        );
        for (const name of GENERATED) {
          const actions = reports.map((r) => r.secrets.find((s) => s.name === name)?.action);
          expect(
            actions.filter((a) => a === "created"),
            `${name}: created by one process`,
          ).toHaveLength(1);
          // The others found it created: `exists` when their create-only write lost,
          // `adopted` when they read it back after losing.
          expect(
            actions.filter((a) => a === "exists" || a === "adopted"),
            `${name}: found by the others`,
          ).toHaveLength(15);
        }

        // Every process then reports the values it sees: all the same.
        const exports = await Promise.all(
          Array.from({ length: 16 }, () => secrets(["export", "--format", "json"], env)),
        );
        const seen = exports.map((e) => e.stdout);
        expect(new Set(seen).size).toBe(1);
        const values = JSON.parse(seen[0] as string) as Record<string, string>;
        expect(Object.keys(values)).toEqual(GENERATED);

        // And Secrets Manager holds exactly one version of each: nobody's value was overwritten.
        const versions = JSON.parse(
          await boto3(
            `import boto3, json\nsm = boto3.client("secretsmanager")\nout = {}\nfor n in ${JSON.stringify(GENERATED)}:\n  vs = sm.list_secret_version_ids(SecretId="${prefix}/" + n, IncludeDeprecated=True)["Versions"]\n  out[n] = [len(vs), sm.get_secret_value(SecretId="${prefix}/" + n)["SecretString"]]\nprint(json.dumps(out))`,
          ),
        );
        for (const name of GENERATED) expect(versions[name]).toEqual([1, values[name]]);
      } finally {
        proxy.forward().resetCounts();
        await proxy.stop();
      }
    },
    SLOW,
  );
});

describe("the CLI never loads the AWS SDK when it does not use it", () => {
  it("secrets --version with SECRET_PROVIDER=aws", async () => {
    const probe = path.join(project, "probe-loads.cjs");
    await writeFile(
      probe,
      `process.on("exit", () => {
  const loaded = Object.keys(require("node:module")._cache).filter((k) => k.includes("client-secrets-manager"));
  require("node:fs").writeSync(2, "SDK_MODULES=" + loaded.length + "\\n");
});`,
    );
    const { stdout, stderr } = await run(process.execPath, ["--require", probe, CLI, "--version"], {
      cwd: project,
      env: { ...process.env, SECRET_PROVIDER: "aws" },
    });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(stderr).toContain("SDK_MODULES=0");
  });
});

describe("a hung endpoint (accepts connections, never answers)", () => {
  it(
    "secrets get and secrets health end with exit 1 and a one-line message, and give up their sockets",
    async () => {
      const proxy = await new HostileProxy({ target: motoEndpoint(), flavor: "aws" }).start();
      try {
        proxy.also({ kind: "hang" }, () => true);
        const env = {
          SECRET_PROVIDER: "aws",
          SECRET_AWS_PREFIX: uniquePrefix("cli-hang"),
          AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.url,
          SECRET_TIMEOUT: "2",
          SECRET_AWS_REQUEST_TIMEOUT: "0.3",
        };
        const get = await secrets(["get", "SECRET_KEY"], env);
        expect(get.code).toBe(1);
        expect(get.stdout).toBe("");
        // Core's deadline or the provider's own attempts, whichever ends first: both say nobody answered.
        expect(get.stderr).toMatch(
          /^Error: (AWS Secrets Manager at http:\/\/127\.0\.0\.1:\d+ did not answer in time after 3 attempts while trying to read secret 'SECRET_KEY' .*|Secret provider 'aws' did not answer within 2 s .*)\n$/,
        );
        expect(proxy.countRequests().count("GetSecretValue")).toBeGreaterThanOrEqual(1);

        const health = await secrets(["health"], env);
        expect(health.code).toBe(1);
        expect(health.stdout).toMatch(/Provider: aws failed: .*did not answer/);
        expect(`${health.stdout}${health.stderr}`).not.toMatch(/\n\s+at /);
        // Every request the two commands left hanging was given up: the processes are gone, and so are their sockets.
        await expect
          .poll(() => proxy.hungRequests.filter((r) => !r.closed).length, { timeout: 10_000 })
          .toBe(0);
        expect(proxy.hungSockets().hung).toBeGreaterThanOrEqual(2);
      } finally {
        await proxy.stop();
      }
    },
    SLOW,
  );
});
