import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createEnvProvider } from "@org/secrets-provider-env";
import { hostileValues } from "@org/secrets-provider-testkit";
// By path, not by package name: the fixtures package itself depends on this one, and a
// dependency back would make the workspace's build graph cyclic.
import {
  type CliProject,
  canaryValue,
  createCliProject,
  findLeaks,
  HostileProxy,
  motoEnv,
  type OpenBaoServer,
  type RunningServer,
  runCli,
  startMoto,
  startOpenBao,
} from "@org/secrets-test-support";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tempDir, writeEnvironmentFirstProvider } from "./helpers.js";

/** `secrets copy` through the built binary: env to env, and env -> OpenBao -> moto -> env with real servers. */

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
// Where the Vault and AWS providers are installed: the package of the tests across packages declares them all
// (this package cannot, since their own tests depend on it).
const TEST_SUPPORT = fileURLToPath(new URL("../../integration-tests/", import.meta.url));

async function readEnvFile(file: string): Promise<Map<string, string>> {
  const provider = createEnvProvider({ path: file, env: {} });
  const out = new Map<string, string>();
  for (const name of await provider.list()) {
    const record = await provider.get(name);
    if (record) out.set(name, record.value);
  }
  return out;
}

describe("secrets copy between two dotenv files", () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => {
    ({ dir, remove } = tempDir("secrets-copy-"));
    writeFileSync(path.join(dir, ".env"), "ALPHA=alpha-value-1\nBETA=beta-value-2\nGAMMA=gamma-value-3\n");
    writeFileSync(path.join(dir, "target.env"), "BETA=beta-in-target\n");
  });
  afterEach(() => remove());

  const copy = (args: string[], env: Record<string, string> = {}) =>
    runCli(["copy", "--from", "env", "--to", "env", "--to-set", "SECRET_ENV_FILE=target.env", ...args], {
      bin,
      cwd: dir,
      env: { HOME: dir, ...env },
    });
  const target = () => readEnvFile(path.join(dir, "target.env"));

  it("creates what is missing, leaves what exists alone, never prints a value", async () => {
    const result = await copy(["--all"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        "ALPHA  created",
        "BETA   exists (left alone; --overwrite replaces it)",
        "GAMMA  created",
        "Copied from env to env: 2 created, 1 exists",
        "",
      ].join("\n"),
    );
    expect(Object.fromEntries(await target())).toEqual({
      ALPHA: "alpha-value-1",
      BETA: "beta-in-target",
      GAMMA: "gamma-value-3",
    });
  });

  it("--overwrite replaces; --dry-run tells create / exists / overwrite and writes nothing", async () => {
    const before = readFileSync(path.join(dir, "target.env"), "utf8");
    const dry = await copy(["--all", "--dry-run", "--json"]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      ok: true,
      from: "env",
      to: "env",
      dryRun: true,
      secrets: [
        { name: "ALPHA", outcome: "would-create" },
        { name: "BETA", outcome: "exists" },
        { name: "GAMMA", outcome: "would-create" },
      ],
    });
    const dryOverwrite = await copy(["--all", "--dry-run", "--overwrite", "--json"]);
    expect(JSON.parse(dryOverwrite.stdout).secrets.map((s: { outcome: string }) => s.outcome)).toEqual([
      "would-create",
      "would-overwrite",
      "would-create",
    ]);
    expect(readFileSync(path.join(dir, "target.env"), "utf8")).toBe(before);

    const real = await copy(["BETA", "--overwrite", "--json"]);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({
      ok: true,
      secrets: [{ name: "BETA", outcome: "overwritten" }],
      summary: { overwritten: 1, created: 0, exists: 0, failed: 0 },
    });
    expect(Object.fromEntries(await target())).toEqual({ BETA: "beta-value-2" });
    for (const text of [dry.stdout, dryOverwrite.stdout, real.stdout, real.stderr])
      expect(text).not.toMatch(/value-\d|in-target/);
  });

  it("copies the file's values, not variables of the same name in the environment", async () => {
    const result = await copy(["ALPHA"], { ALPHA: "from-environment" });
    expect(result.code).toBe(0);
    expect((await target()).get("ALPHA")).toBe("alpha-value-1");
  });

  it("a third-party provider with the environmentFirst trait is copied from its store, as env is", async () => {
    writeEnvironmentFirstProvider(path.join(dir, "local.mjs"), "ALPHA", "alpha-from-store");
    const copyFromLocal = (env: Record<string, string>) =>
      runCli(
        ["copy", "--from", "./local.mjs", "--to", "env", "--to-set", "SECRET_ENV_FILE=target.env", "ALPHA"],
        {
          bin,
          cwd: dir,
          env: { HOME: dir, ALPHA: "from-environment", ...env },
        },
      );
    const declared = await copyFromLocal({ LOCAL_TRAIT: "1" });
    expect(declared.code).toBe(0);
    expect((await target()).get("ALPHA")).toBe("alpha-from-store");
    // Without the trait the provider's answer is taken as it is: the environment's value.
    writeFileSync(path.join(dir, "target.env"), "");
    const undeclared = await copyFromLocal({});
    expect(undeclared.code).toBe(0);
    expect((await target()).get("ALPHA")).toBe("from-environment");
  });

  it("a named secret missing in the source fails the run (exit 1); the others are copied", async () => {
    const result = await copy(["ALPHA", "NOT_THERE", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      secrets: [
        { name: "ALPHA", outcome: "created" },
        { name: "NOT_THERE", outcome: "missing" },
      ],
    });
    expect((await target()).get("ALPHA")).toBe("alpha-value-1");
  });

  it("a write that fails is reported per secret, with its code, and exits 1", async () => {
    const result = await runCli(
      [
        "copy",
        "--from",
        "env",
        "--to",
        "env",
        "--to-set",
        "SECRET_ENV_FILE=no-such-dir/x.env",
        "ALPHA",
        "--json",
      ],
      { bin, cwd: dir, env: { HOME: dir } },
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; secrets: Array<Record<string, string>> };
    expect(report.ok).toBe(false);
    expect(report.secrets).toHaveLength(1);
    expect(report.secrets[0]).toMatchObject({ name: "ALPHA", outcome: "failed" });
    expect(typeof report.secrets[0]?.code).toBe("string");
    expect(result.stdout + result.stderr).not.toContain("alpha-value-1");
  });

  it("refuses credentials in --from-set / --to-set, and a URL with userinfo, without echoing the value", async () => {
    for (const setting of [
      "VAULT_TOKEN=hunter2-token",
      "AWS_SECRET_ACCESS_KEY=hunter2-token",
      "VAULT_SECRET_ID=hunter2-token",
      "BAO_TOKEN=hunter2-token",
      "VAULT_URL=https://user:hunter2-token@vault.example",
      "SECRET_PROVIDER=vault",
      "not a setting hunter2-token",
    ]) {
      const result = await copy(["--all", "--from-set", setting]);
      expect(result.code, setting).toBe(2);
      expect(result.stderr, setting).not.toContain("hunter2-token");
      expect(result.stderr.split("\n").filter(Boolean), setting).toHaveLength(1);
    }
    expect(readFileSync(path.join(dir, "target.env"), "utf8")).toBe("BETA=beta-in-target\n");
  });
});

describe("secrets copy: the hostile-value corpus through env -> OpenBao -> moto -> env, exactly", () => {
  let bao: OpenBaoServer;
  let moto: RunningServer;
  let project: CliProject;
  const names = hostileValues.map((_, i) => `HOSTILE_${String(i).padStart(2, "0")}`);
  const expected = new Map(hostileValues.map(({ value }, i) => [names[i] as string, value]));

  beforeAll(async () => {
    [bao, moto] = await Promise.all([startOpenBao(), startMoto()]);
    project = await createCliProject(
      ["@org/secrets-provider-vault", "@org/secrets-provider-aws", "@org/secrets-provider-env"],
      TEST_SUPPORT,
    );
    const source = createEnvProvider({ path: path.join(project.dir, "source.env"), env: {} });
    for (const [name, value] of expected) await source.set(name, value);
  }, 120_000);
  afterAll(async () => {
    await project?.remove();
    await Promise.all([bao?.stop(), moto?.stop()]);
  });

  const env = () => ({
    HOME: project.dir,
    VAULT_URL: bao.url,
    VAULT_TOKEN: bao.token,
    ...motoEnv(moto.url),
  });
  const copy = (args: string[]) => runCli(["copy", ...args, "--json"], { bin, cwd: project.dir, env: env() });

  it("every value arrives byte for byte, and none is printed", async () => {
    const outputs: string[] = [];
    const step = async (args: string[], outcome: string) => {
      const result = await copy(args);
      outputs.push(result.stdout, result.stderr);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { secrets: Array<{ name: string; outcome: string }> };
      expect(report.secrets).toEqual(names.map((name) => ({ name, outcome })));
    };
    await step(
      ["--from", "env", "--from-set", "SECRET_ENV_FILE=source.env", "--to", "vault", "--all"],
      "created",
    );
    await step(["--from", "vault", "--to", "aws", ...names], "created");
    await step(["--from", "aws", "--to", "env", "--to-set", "SECRET_ENV_FILE=final.env", "--all"], "created");
    // Again: everything exists now, and nothing is written.
    await step(["--from", "vault", "--to", "aws", ...names], "exists");

    expect(await readEnvFile(path.join(project.dir, "final.env"))).toEqual(expected);
    const stored = await bao.api("GET", `secret/data/${names[5]}`);
    expect((stored.body as { data: { data: { value: string } } }).data.data.value).toBe(
      expected.get(names[5] as string),
    );
    const canaries = Object.fromEntries(
      [...expected].filter(([, value]) => value.length >= 8).map(([name, value]) => [name, value]),
    );
    expect(findLeaks(Object.fromEntries(outputs.map((text, i) => [`output ${i}`, text])), canaries)).toEqual(
      [],
    );
  });
});

describe("secrets copy --overwrite into OpenBao while another writer writes", () => {
  let bao: OpenBaoServer;
  let proxy: HostileProxy;
  let project: CliProject;
  const mine = {
    RACED_OLD: canaryValue("MINE_OLD"),
    RACED_NEW: canaryValue("MINE_NEW"),
    CALM: canaryValue("CALM"),
  };
  const theirs = { RACED_OLD: canaryValue("THEIRS_OLD"), RACED_NEW: canaryValue("THEIRS_NEW") };

  beforeAll(async () => {
    bao = await startOpenBao();
    proxy = await new HostileProxy({ target: bao.url, flavor: "vault" }).start();
    project = await createCliProject(
      ["@org/secrets-provider-vault", "@org/secrets-provider-env"],
      TEST_SUPPORT,
    );
    const source = createEnvProvider({ path: path.join(project.dir, "source.env"), env: {} });
    for (const [name, value] of Object.entries(mine)) await source.set(name, value);
  }, 120_000);
  afterAll(async () => {
    await project?.remove();
    await proxy?.stop();
    await bao?.stop();
  });

  const stored = async (name: string) =>
    ((await bao.api("GET", `secret/data/${name}`)).body as { data: { data: { value: string } } }).data.data
      .value;

  it("a value written between the read and the write is kept, and the secret reported failed (CONFLICT)", async () => {
    await bao.api("POST", "secret/data/RACED_OLD", { data: { value: canaryValue("TARGET_OLD") } });
    await bao.api("POST", "secret/data/CALM", { data: { value: canaryValue("TARGET_CALM") } });
    // The other writer writes straight to OpenBao just before the copy's write of each raced name reaches it.
    for (const name of ["RACED_OLD", "RACED_NEW"] as const)
      proxy.also(
        {
          kind: "before",
          run: async () => {
            await bao.api("POST", `secret/data/${name}`, { data: { value: theirs[name] } });
          },
        },
        (r) => r.method === "POST" && r.path === `/v1/secret/data/${name}`,
        { times: 1 },
      );
    const result = await runCli(
      [
        "copy",
        "--from",
        "env",
        "--from-set",
        "SECRET_ENV_FILE=source.env",
        "--to",
        "vault",
        "--all",
        "--overwrite",
        "--json",
      ],
      {
        bin,
        cwd: project.dir,
        env: { HOME: project.dir, VAULT_URL: proxy.url, VAULT_TOKEN: bao.token },
      },
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      secrets: Array<{ name: string; outcome: string; code?: string }>;
    };
    expect(report.ok).toBe(false);
    expect(report.secrets.map(({ name, outcome, code }) => ({ name, outcome, code }))).toEqual([
      { name: "CALM", outcome: "overwritten", code: undefined },
      { name: "RACED_NEW", outcome: "failed", code: "CONFLICT" },
      { name: "RACED_OLD", outcome: "failed", code: "CONFLICT" },
    ]);
    expect(await stored("RACED_OLD")).toBe(theirs.RACED_OLD);
    expect(await stored("RACED_NEW")).toBe(theirs.RACED_NEW);
    expect(await stored("CALM")).toBe(mine.CALM);
    expect(findLeaks({ stdout: result.stdout, stderr: result.stderr }, { ...mine, ...theirs })).toEqual([]);
  });
});
