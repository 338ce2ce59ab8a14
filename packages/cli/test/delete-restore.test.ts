import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CliProject,
  canaryValue,
  createCliProject,
  motoEnv,
  type OpenBaoServer,
  type RunningServer,
  runCli,
  startMoto,
  startOpenBao,
} from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** `secrets delete` and `secrets restore` through the built binary, against real OpenBao and moto. */

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const TEST_SUPPORT = fileURLToPath(new URL("../../integration-tests/", import.meta.url));

describe("secrets delete offers restore only where a delete can be restored", () => {
  let bao: OpenBaoServer;
  let moto: RunningServer;
  let project: CliProject;

  beforeAll(async () => {
    [bao, moto] = await Promise.all([startOpenBao(), startMoto()]);
    await bao.api("POST", "sys/mounts/kv1", { type: "kv", options: { version: "1" } });
    project = await createCliProject(
      ["@org/secrets-provider-vault", "@org/secrets-provider-aws"],
      TEST_SUPPORT,
    );
    await fs.writeFile(
      path.join(project.dir, "secrets.yaml"),
      "version: 1\nsecrets:\n  GONE:\n    required: true\n",
    );
  }, 120_000);
  afterAll(async () => {
    await project?.remove();
    await Promise.all([bao?.stop(), moto?.stop()]);
  });

  const cli = (args: string[], env: Record<string, string>, stdin?: string) =>
    runCli(args, { bin, cwd: project.dir, env: { HOME: project.dir, ...env }, ...(stdin ? { stdin } : {}) });
  const vault = (extra: Record<string, string>) => ({
    SECRET_PROVIDER: "vault",
    VAULT_URL: bao.url,
    VAULT_TOKEN: bao.token,
    ...extra,
  });
  const aws = (extra: Record<string, string>) => ({ SECRET_PROVIDER: "aws", ...motoEnv(moto.url), ...extra });

  const sides: Array<{ label: string; env: () => Record<string, string>; restorable: boolean }> = [
    { label: "Vault KV v2, per secret", env: () => vault({ VAULT_PATH_PREFIX: "per" }), restorable: true },
    {
      label: "Vault KV v2, document",
      env: () => vault({ VAULT_PATH_PREFIX: "doc", VAULT_LAYOUT: "document" }),
      restorable: false,
    },
    {
      label: "Vault KV v1",
      env: () => vault({ VAULT_MOUNT_POINT: "kv1", VAULT_PATH_PREFIX: "v1" }),
      restorable: false,
    },
    { label: "AWS, per secret", env: () => aws({ SECRET_AWS_PREFIX: "per" }), restorable: true },
    {
      label: "AWS, document",
      env: () => aws({ SECRET_AWS_PREFIX: "doc", SECRET_AWS_LAYOUT: "document" }),
      restorable: false,
    },
  ];

  for (const side of sides)
    it(`${side.label}: ${side.restorable ? "offers restore, which brings the value back" : "does not offer restore"}`, async () => {
      const value = canaryValue("DELETED");
      expect((await cli(["set", "GONE"], side.env(), value)).code).toBe(0);
      const json = await cli(["delete", "GONE", "--yes", "--json"], side.env());
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        action: "deleted",
        permanent: false,
        restorable: side.restorable,
      });
      if (side.restorable) {
        expect((await cli(["restore", "GONE"], side.env())).code).toBe(0);
        expect((await cli(["get", "GONE"], side.env())).stdout.trim()).toBe(value);
      } else expect((await cli(["set", "GONE"], side.env(), value)).code).toBe(0);
      const text = await cli(["delete", "GONE", "--yes"], side.env());
      expect(text.code).toBe(0);
      expect(text.stdout.includes("secrets restore GONE")).toBe(side.restorable);
    });
});
