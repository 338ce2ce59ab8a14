/**
 * The built `secrets` CLI with SECRET_PROVIDER=vault, end to end, against the
 * real OpenBao server: every command, and sixteen processes running `init` at
 * the same moment. The CLI resolves the provider from its working directory,
 * so each run happens in a project folder whose node_modules links this package.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CliProject,
  cliBin,
  createCliProject,
  HostileProxy,
  type OpenBaoServer,
  repoRoot,
  runCli,
  startOpenBao,
} from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVaultProvider } from "../src/index.js";
import { root, server, unique } from "./support/vault.js";

const { addr, token } = server();
const bin = path.join(repoRoot(), "packages", "cli", "dist", "bin.js");
/** The project folder, once `beforeAll` made it. */
const dir = (): string => project?.dir ?? "";
const packageDir = fileURLToPath(new URL("..", import.meta.url));
let project: CliProject | undefined;

/** The secrets of the built-in manifest that `init` generates. */
const GENERATED = [
  "SECRET_KEY",
  "JWT_SECRET_KEY",
  "BASIC_AUTH_PASSWORD",
  "TYPESENSE_API_KEY",
  "SPARK_AUTH_SECRET",
  "REDIS_PASSWORD",
  "GRAFANA_ADMIN_PASSWORD",
];

beforeAll(async () => {
  cliBin(); // fails the run with a clear message when the CLI is not built
  project = await createCliProject(["@org/secrets-provider-vault"], packageDir);
});

afterAll(async () => {
  await project?.remove();
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `node <bin> args` in the project with only the environment given (plus PATH). */
async function cli(
  args: string[],
  env: Record<string, string>,
  input?: string,
  script: string[] = [bin],
): Promise<Result> {
  const [first = bin, ...rest] = script;
  const result = await runCli([...rest, ...args], {
    bin: first,
    cwd: dir(),
    env: { HOME: dir(), SECRET_PROVIDER: "vault", ...env },
    stdin: input ?? "",
  });
  return { code: result.code ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function vaultEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { VAULT_URL: addr, VAULT_TOKEN: token, VAULT_PATH_PREFIX: prefix, ...extra };
}

async function serverValue(prefix: string, name: string): Promise<string | undefined> {
  const body = await root("GET", `secret/data/${prefix}/${name}`, undefined, { allow: [404] });
  return body?.data?.data?.value;
}

describe("secrets CLI with SECRET_PROVIDER=vault", () => {
  it("init | health | rotate | export | get | set | delete | list | restore", async () => {
    const prefix = unique("cli");
    const env = vaultEnv(prefix);
    const ok = (result: Result) => expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);

    ok(await cli(["set", "DATABASE_URL"], env, "postgres://app:pw@db:5432/app"));
    expect(await serverValue(prefix, "DATABASE_URL")).toBe("postgres://app:pw@db:5432/app");

    const init = await cli(["init"], env);
    ok(init);
    expect(init.stdout).toMatch(/SECRET_KEY\s+created/);
    expect(init.stdout).toMatch(/DATABASE_URL\s+exists/);
    for (const name of GENERATED) expect(await serverValue(prefix, name)).toMatch(/.{16,}/);
    // A created secret's first version is dated by Vault: that is its rotation date, and no
    // rotatedAt metadata costs a second request.
    const meta = await root("GET", `secret/metadata/${prefix}/SECRET_KEY`);
    expect(meta.data.current_version).toBe(1);
    expect(meta.data.custom_metadata?.rotatedAt).toBeUndefined();
    expect(meta.data.versions["1"].created_time).toMatch(/^\d{4}-\d\d-\d\dT/);

    const health = await cli(["health"], env);
    ok(health);
    expect(health.stdout).toMatch(/^Provider: vault ok/m);

    const before = await serverValue(prefix, "SECRET_KEY");
    const rotate = await cli(["rotate", "SECRET_KEY"], env);
    ok(rotate);
    expect(rotate.stdout).toMatch(/SECRET_KEY\s+rotated/);
    const after = await serverValue(prefix, "SECRET_KEY");
    expect(after).not.toBe(before);
    const previous = await cli(["get", "SECRET_KEY", "--version", "previous"], env);
    ok(previous);
    expect(previous.stdout).toBe(before);
    const byNumber = await cli(["get", "SECRET_KEY", "--version", "1"], env);
    expect(byNumber.stdout).toBe(before);

    const current = await cli(["get", "SECRET_KEY"], env);
    ok(current);
    expect(current.stdout).toBe(after);

    const exported = await cli(["export", "--format", "json"], env);
    ok(exported);
    const values = JSON.parse(exported.stdout) as Record<string, string>;
    for (const name of [...GENERATED, "DATABASE_URL"])
      expect(values[name]).toBe(await serverValue(prefix, name));

    const list = await cli(["list"], env);
    ok(list);
    expect(list.stdout.trim().split("\n").sort()).toEqual([...GENERATED, "DATABASE_URL"].sort());

    ok(await cli(["delete", "REDIS_PASSWORD", "--yes"], env));
    expect((await cli(["get", "REDIS_PASSWORD"], env)).code).not.toBe(0);
    expect((await cli(["list"], env)).stdout).not.toContain("REDIS_PASSWORD");
    ok(await cli(["restore", "REDIS_PASSWORD"], env));
    expect((await cli(["get", "REDIS_PASSWORD"], env)).stdout).toBe(values.REDIS_PASSWORD);

    // Health reads the rotation time from custom_metadata: an old one is overdue.
    await root("PATCH", `secret/metadata/${prefix}/JWT_SECRET_KEY`, {
      custom_metadata: { rotatedAt: "2020-01-01T00:00:00.000Z" },
    });
    const overdue = await cli(["health", "--json"], env);
    const report = JSON.parse(overdue.stdout) as {
      secrets: Array<{ name: string; rotation?: { overdue: boolean; lastRotated: string } }>;
    };
    const jwt = report.secrets.find((s) => s.name === "JWT_SECRET_KEY");
    expect(jwt?.rotation).toMatchObject({ overdue: true, lastRotated: "2020-01-01T00:00:00.000Z" });
    expect(report.secrets.find((s) => s.name === "SECRET_KEY")?.rotation?.overdue).toBe(false);
  });

  it("the document layout: init then export read one entry", async () => {
    const prefix = unique("cli-doc");
    const env = vaultEnv(prefix, { VAULT_LAYOUT: "document" });
    expect((await cli(["set", "DATABASE_URL"], env, "postgres://doc")).code).toBe(0);
    const init = await cli(["init"], env);
    expect(init.code, init.stderr).toBe(0);
    const doc = (await root("GET", `secret/data/${prefix}`)).data.data as Record<string, string>;
    expect(Object.keys(doc).sort()).toEqual([...GENERATED, "DATABASE_URL"].sort());
    const exported = JSON.parse((await cli(["export", "--format", "json"], env)).stdout) as Record<
      string,
      string
    >;
    for (const name of Object.keys(doc)) expect(exported[name]).toBe(doc[name]);
  });

  it("a missing configuration fails with the spec's message", async () => {
    const result = await cli(["get", "SECRET_KEY"], {});
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Secret provider 'vault' not configured: VAULT_URL is not set");
  });

  it("sixteen processes running init at the same moment agree on one value per secret", async () => {
    const prefix = unique("race");
    const env = vaultEnv(prefix);
    const provider = await createVaultProvider({ url: addr, token, prefix });
    await provider.set("DATABASE_URL", "postgres://race");
    await provider.close();

    // A barrier: every child loads, waits for the go file, then runs the built bin.js.
    const go = path.join(dir(), `go-${prefix}`);
    const starter = path.join(dir(), `start-${prefix}.mjs`);
    await fs.writeFile(
      starter,
      [
        'import { existsSync } from "node:fs";',
        'import { pathToFileURL } from "node:url";',
        "const [go, bin, ...args] = process.argv.slice(2);",
        "while (!existsSync(go)) await new Promise((resolve) => setTimeout(resolve, 2));",
        "process.argv = [process.argv[0], bin, ...args];",
        "await import(pathToFileURL(bin).href);",
      ].join("\n"),
    );
    const runs = Array.from({ length: 16 }, () =>
      cli(["init", "--json"], env, undefined, [starter, go, bin]),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await fs.writeFile(go, "");
    const results = await Promise.all(runs);

    const created = new Map<string, number>();
    for (const result of results) {
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      const report = JSON.parse(result.stdout) as { secrets: Array<{ name: string; action: string }> };
      for (const secret of report.secrets) {
        if (secret.action === "created") created.set(secret.name, (created.get(secret.name) ?? 0) + 1);
        else expect(["exists", "adopted", "skipped"]).toContain(secret.action);
      }
    }
    for (const name of GENERATED) expect(created.get(name), `${name} created by exactly one process`).toBe(1);

    const exports = await Promise.all(
      Array.from({ length: 16 }, () => cli(["export", "--format", "json"], env)),
    );
    const held: Record<string, string | undefined> = {};
    for (const name of [...GENERATED, "DATABASE_URL"]) held[name] = await serverValue(prefix, name);
    for (const result of exports) {
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(held);
    }
    for (const name of GENERATED) {
      const meta = await root("GET", `secret/metadata/${prefix}/${name}`);
      expect(meta.data.current_version, `${name} has exactly one version`).toBe(1);
    }
  });
});

describe("secrets CLI against a Vault that accepts connections and never answers", () => {
  const proxy = new HostileProxy({ target: addr, flavor: "vault" });
  let hungUrl = "";
  beforeAll(async () => {
    hungUrl = (await proxy.start()).url;
    proxy.set({ kind: "hang" });
  });
  afterAll(async () => {
    await proxy.stop();
  });

  // The per-request timeout is set too: each bound alone must end the command.
  const hungEnv = (prefix: string, extra: Record<string, string> = {}) => ({
    VAULT_URL: hungUrl,
    VAULT_TOKEN: token,
    VAULT_PATH_PREFIX: prefix,
    SECRET_TIMEOUT: "2",
    VAULT_CLIENT_TIMEOUT: "2",
    ...extra,
  });

  for (const args of [["get", "SECRET_KEY"], ["health"], ["init"]]) {
    it(`${args[0]} ends with exit 1 and one clear line, no stack`, async () => {
      const before = proxy.requests.length;
      const result = await cli(args, hungEnv(unique("hung")));
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
      const output = `${result.stdout}\n${result.stderr}`;
      expect(output).toMatch(/did not answer|within 2 s|within 2000 ms|timed out/i);
      expect(output).not.toContain(token);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(proxy.requests.length).toBeGreaterThan(before);
    }, 30_000);
  }

  it("health --json prints one unhealthy JSON document on stdout, with the timeout's code", async () => {
    const result = await cli(["health", "--json"], hungEnv(unique("hung-json")));
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe("unhealthy");
    expect(JSON.stringify(report)).toMatch(/TIMEOUT/);
    expect(`${result.stdout}\n${result.stderr}`).not.toContain(token);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  it("the per-request timeout alone (VAULT_CLIENT_TIMEOUT) ends `get` too", async () => {
    const result = await cli(["get", "SECRET_KEY"], {
      VAULT_URL: hungUrl,
      VAULT_TOKEN: token,
      VAULT_CLIENT_TIMEOUT: "1500ms",
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/did not answer GET sys\/internal\/ui\/mounts\/secret within 1500 ms/);
  }, 30_000);
});

describe("secrets CLI against a sealed Vault", () => {
  let sealed: OpenBaoServer;
  beforeAll(async () => {
    sealed = await startOpenBao();
    await root("PUT", "sys/seal", undefined, { addr: sealed.url, token: sealed.token });
  });
  afterAll(async () => {
    await sealed?.stop();
  });

  it("health --json prints one unhealthy JSON document naming the sealed server; get fails in one line", async () => {
    const env = { VAULT_URL: sealed.url, VAULT_TOKEN: sealed.token, VAULT_PATH_PREFIX: unique("sealed") };
    const health = await cli(["health", "--json"], env);
    expect(health.code, health.stderr).toBe(1);
    const report = JSON.parse(health.stdout);
    expect(report.status).toBe("unhealthy");
    expect(JSON.stringify(report)).toMatch(/PROVIDER_UNAVAILABLE/);
    expect(JSON.stringify(report)).toMatch(/Vault is sealed/);
    const get = await cli(["get", "SECRET_KEY"], env);
    expect(get.code).toBe(1);
    expect(get.stderr.trim().split("\n")).toHaveLength(1);
    expect(get.stderr).toMatch(/Vault is sealed/);
    expect(`${health.stdout}${health.stderr}${get.stderr}`).not.toContain(sealed.token);
  }, 60_000);
});
