/**
 * One unreadable secret among readable ones on AWS: a binary (SecretBinary,
 * not UTF-8) secret created straight through the SDK against real moto. Every
 * command names it as failed and carries on with the others.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  type CliProject,
  createCliProject,
  motoEnv,
  type RunningServer,
  runCli,
  startMoto,
} from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PREFIX = "binary-test";

let moto: RunningServer;
let project: CliProject;
let env: Record<string, string>;

beforeAll(async () => {
  moto = await startMoto();
  const base = motoEnv(moto.url);
  env = {
    ...base,
    HOME: "/nonexistent",
    SECRET_PROVIDER: "aws",
    SECRET_AWS_PREFIX: PREFIX,
    SECRET_TIMEOUT: "10",
  };
  const client = new SecretsManagerClient({
    region: base.AWS_REGION ?? "us-east-1",
    endpoint: moto.url,
    credentials: {
      accessKeyId: base.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: base.AWS_SECRET_ACCESS_KEY ?? "",
    },
  });
  await client.send(
    new CreateSecretCommand({
      Name: `${PREFIX}/BINARY_KEY`,
      SecretBinary: Uint8Array.from([0xff, 0xfe, 0x00, 0x9f]),
    }),
  );
  await client.send(new CreateSecretCommand({ Name: `${PREFIX}/TEXT_KEY`, SecretString: "text-value-1" }));
  client.destroy();
  project = await createCliProject(["@org/secrets-provider-aws"], PACKAGE_DIR);
  await import("node:fs/promises").then((fs) =>
    fs.writeFile(
      path.join(project.dir, "secrets.yaml"),
      [
        "version: 1",
        "secrets:",
        // Not generatable: init has to read it to know whether it is there.
        "  BINARY_KEY:",
        "    required: true",
        "  TEXT_KEY:",
        "    required: true",
        "  NEW_KEY:",
        "    required: true",
        "    generate: hex",
        "",
      ].join("\n"),
    ),
  );
}, 120_000);

afterAll(async () => {
  await project?.remove();
  await moto?.stop();
});

const cli = (args: string[]) => runCli(args, { cwd: project.dir, env, timeoutMs: 60_000 });

describe("a binary AWS secret among text ones", () => {
  it("init --json reports it failed, still creates the missing secret, and exits 1", async () => {
    const result = await cli(["init", "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const byName = new Map<string, { action: string; code?: string }>(
      report.secrets.map((r: { name: string; action: string; code?: string }) => [r.name, r]),
    );
    expect(report.ok).toBe(false);
    expect(byName.get("BINARY_KEY")?.action).toBe("failed");
    expect(byName.get("NEW_KEY")?.action).toBe("created");
    expect(byName.get("TEXT_KEY")?.action).toBe("exists");
    // The created secret is really there, and the binary one was not overwritten.
    const get = await cli(["get", "NEW_KEY"]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^[0-9a-f]{16,}$/);
    const binary = await cli(["get", "BINARY_KEY"]);
    expect(binary.code).toBe(1);
    expect(binary.stderr).toMatch(/BINARY_KEY.*binary data/);
  });

  it("health names the unreadable secret and reports the others", async () => {
    const result = await cli(["health", "--json"]);
    const report = JSON.parse(result.stdout);
    const text = JSON.stringify(report);
    expect(text).toContain("BINARY_KEY");
    expect(text).toContain("TEXT_KEY");
    expect(report.status).not.toBe("healthy");
  });

  it("export --all fails naming it and writes nothing, unless --skip-unreadable", async () => {
    const refused = await cli(["export", "--all", "--format", "json"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("BINARY_KEY");
    const skipped = await cli(["export", "--all", "--format", "json", "--skip-unreadable"]);
    expect(skipped.code).toBe(0);
    const exported = JSON.parse(skipped.stdout);
    expect(exported.TEXT_KEY).toBe("text-value-1");
    expect(Object.hasOwn(exported, "BINARY_KEY")).toBe(false);
    expect(Object.hasOwn(exported, "NEW_KEY")).toBe(true);
  });
});
