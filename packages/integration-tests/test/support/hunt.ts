/**
 * The leak hunt, shared by the Vault and AWS files: canary values and a canary
 * token on a real backend behind a HostileProxy; every CLI command and every
 * library call, at every log level and format, in every proxy mode. A value
 * canary may appear only on the standard output of `get` and `export`; the
 * token never appears anywhere.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import {
  clearRedactions,
  createLogger,
  createSecretManagerFromEnv,
  deleteSecret,
  getRequiredSecret,
  getSecret,
  loadSecretConfig,
  resetSecretManager,
  type SecretProvider,
  type StandardSchema,
  setSecret,
  setSecretManager,
} from "@org/secrets-core";
import {
  type CanaryLeak,
  type CliProject,
  type CliResult,
  canaryValue,
  createCliProject,
  findLeaks,
  HostileProxy,
  largeCanary,
  mapLimit,
  type ProxyMode,
  Recorder,
  RecordingMeterProvider,
  runCli,
  SHORT_CANARIES,
} from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

export const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface HuntBackend {
  readonly name: "vault" | "aws";
  /** Start the real server; resolves its URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
  /** The token-like credential, which must never appear anywhere. */
  readonly token: string;
  /** Environment for the CLI and `createSecretManagerFromEnv`, pointing at `url`. */
  env(url: string): Record<string, string>;
  /** A provider straight at the real server, to seed and check values. */
  direct(url: string): Promise<SecretProvider>;
  /** Largest value the backend takes (the 100 KB canary is refused above it). */
  readonly maxValueBytes: number;
}

export const LEVELS = ["debug", "info", "warn", "error"] as const;
export const FORMATS = ["text", "json"] as const;
export const COMBOS = LEVELS.flatMap((level) => FORMATS.map((format) => ({ level, format })));

const MANIFEST = `version: 1
secrets:
  CANARY_VALUE:
    required: true
  CANARY_LARGE:
    required: true
${SHORT_CANARIES.map((_, i) => `  CANARY_S${i + 1}:\n    required: false\n`).join("")}  GEN_KEY:
    generate: hex
`;

type ModeName = "forward" | "echo" | "redirect" | "status";

export function defineLeakHunt(backend: HuntBackend): void {
  const canaries: Record<string, string> = Object.create(null);
  canaries.CANARY_VALUE = canaryValue("VALUE");
  canaries.CANARY_LARGE = largeCanary(100 * 1024);
  canaries.CANARY_SET = canaryValue("SETVALUE");
  canaries.CANARY_SET_LARGE = largeCanary(100 * 1024);
  canaries.CANARY_DEL = canaryValue("DELVALUE");
  canaries.CANARY_LIB = canaryValue("LIBVALUE");
  SHORT_CANARIES.forEach((value, i) => {
    canaries[`CANARY_S${i + 1}`] = value;
  });
  const seeded = ["CANARY_VALUE", "CANARY_DEL", ...SHORT_CANARIES.map((_, i) => `CANARY_S${i + 1}`)];
  if (backend.maxValueBytes >= 100 * 1024) seeded.push("CANARY_LARGE");

  let url = "";
  let proxy: HostileProxy;
  let recorder: Recorder;
  let project: CliProject;
  let direct: SecretProvider;

  const modes: Record<ModeName, () => ProxyMode> = {
    forward: () => ({ kind: "forward" }),
    echo: () => ({ kind: "echo" }),
    redirect: () => ({ kind: "redirect", to: recorder.url, status: 307 }),
    status: () => ({ kind: "status", status: backend.name === "aws" ? 400 : 500 }),
  };

  beforeAll(async () => {
    url = await backend.start();
    proxy = await new HostileProxy({ target: url, flavor: backend.name }).start();
    // Seeded through the proxy while it forwards: in-process AWS clients share one endpoint setting.
    direct = await backend.direct(proxy.url);
    for (const name of seeded) await direct.set(name, canaries[name] as string);
    recorder = await new Recorder().start();
    project = await createCliProject(
      [`@org/secrets-provider-${backend.name}`, "@org/secrets-core"],
      PACKAGE_DIR,
    );
    await fs.writeFile(path.join(project.dir, "secrets.yaml"), MANIFEST);
  });

  afterAll(async () => {
    await proxy?.stop();
    await recorder?.stop();
    await project?.remove();
    await backend.stop();
  });

  /** Every value canary this run must not show, and the token. */
  const forbidden = (allowValues: boolean): Record<string, string> => {
    const all: Record<string, string> = Object.create(null);
    all.TOKEN = backend.token;
    if (!allowValues) Object.assign(all, canaries);
    return all;
  };

  interface Command {
    args: string[];
    stdin?: string;
    /** Its standard output may carry values (get, export). */
    printsValues?: boolean;
    /** A write: must not report success unless the proxy forwards. */
    write?: boolean;
  }
  const commands: Command[] = [
    { args: ["get", "CANARY_VALUE"], printsValues: true },
    { args: ["get", "CANARY_S2"], printsValues: true },
    { args: ["get", "--json", "CANARY_VALUE"], printsValues: true },
    { args: ["get", "NO_SUCH_SECRET"] },
    { args: ["set", "CANARY_SET"], stdin: canaries.CANARY_SET as string, write: true },
    { args: ["delete", "--yes", "CANARY_DEL"], write: true },
    { args: ["list"] },
    { args: ["list", "--json"] },
    { args: ["init"], write: true },
    { args: ["init", "--json"], write: true },
    { args: ["rotate"], write: true },
    { args: ["health"] },
    { args: ["health", "--json"] },
    ...["env", "json", "yaml", "shell"].map((format) => ({
      args: ["export", "--format", format],
      printsValues: true,
    })),
    { args: ["export", "--all", "--format", "env"], printsValues: true },
    // The command's own output is its own; this one prints nothing, so any canary there came from us.
    { args: ["run", "--allow-missing", "--", process.execPath, "-e", ""] },
    {
      args: ["copy", "--from", backend.name, "--to", "env", "--to-set", "SECRET_ENV_FILE=copy.env", "--all"],
    },
    { args: ["copy", "--json", "--dry-run", "--from", backend.name, "--to", "env", "--all"] },
    { args: ["restore", "CANARY_VALUE"] },
  ];

  /** The 100 KB canaries, apart: a failure here must not hide the other findings. */
  const largeCommands: Command[] = [
    { args: ["get", "CANARY_LARGE"], printsValues: true },
    { args: ["set", "CANARY_SET_LARGE"], stdin: canaries.CANARY_SET_LARGE as string, write: true },
    { args: ["health"] },
    { args: ["export", "--format", "json"], printsValues: true },
  ];

  const modeNames = Object.keys(modes) as ModeName[];

  const schema: StandardSchema<unknown, { value: string }> = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: (input) => {
        const record = input as Record<string, unknown>;
        return typeof record.value === "string" && record.value.length > 1_000_000
          ? { value: { value: record.value } }
          : { issues: [{ message: "value is too short", path: ["value"] }] };
      },
    },
  };

  describe(`${backend.name}: the CLI shows no canary outside get/export output, and never the token`, () => {
    for (const [modeIndex, mode] of modeNames.entries()) {
      it(`proxy mode ${mode}`, { timeout: 300_000 }, () => cliHunt(mode, modeIndex, commands));
    }
    for (const [modeIndex, mode] of (["forward", "echo"] as const).entries()) {
      it(`100 KB values, proxy mode ${mode}`, { timeout: 120_000 }, () =>
        cliHunt(mode, modeIndex, largeCommands),
      );
    }
  });

  async function cliHunt(mode: ModeName, modeIndex: number, commands: Command[]): Promise<void> {
    proxy.set(modes[mode]());
    recorder.reset();
    // With the backend echoing values into its errors, every command at every level and format. In the
    // other modes, a level/format that rotates with the mode, plus debug (which prints stacks) when forwarding.
    const runs = commands.flatMap((command, index) => {
      if (mode === "echo") return COMBOS.map((combo) => ({ command, combo }));
      const rotated = COMBOS[(index + modeIndex * 3) % COMBOS.length]!;
      const picks = [rotated];
      if (mode === "forward") picks.push({ level: "debug", format: index % 2 === 0 ? "json" : "text" });
      return picks.map((combo) => ({ command, combo }));
    });
    const results = await mapLimit(runs, 2, async ({ command, combo }) => {
      const result = await runCli(command.args, {
        cwd: project.dir,
        env: {
          HOME: project.dir,
          ...backend.env(proxy.url),
          SECRET_TIMEOUT: "5",
          LOG_LEVEL: combo.level,
          LOG_FORMAT: combo.format,
        },
        ...(command.stdin === undefined ? {} : { stdin: command.stdin }),
        timeoutMs: 60_000,
      });
      return { command, combo, result };
    });

    const leaks: Array<CanaryLeak & { run: string }> = [];
    const problems: string[] = [];
    for (const { command, combo, result } of results) {
      const label = `${command.args.join(" ")} [${combo.level}/${combo.format}]`;
      const texts: Record<string, string> = { stderr: result.stderr };
      if (!command.printsValues) texts.stdout = result.stdout;
      for (const leak of findLeaks(texts, forbidden(false))) leaks.push({ ...leak, run: label });
      for (const leak of findLeaks({ stdout: result.stdout }, forbidden(true)))
        leaks.push({ ...leak, run: label });
      if (result.timedOut) problems.push(`${label}: did not end within 60 s`);
      if (mode !== "forward" && command.write && result.code === 0)
        problems.push(`${label}: reported success although every request failed (${mode})`);
      if (mode !== "forward" && result.code === 0 && command.args[0] === "get")
        problems.push(`${label}: exit 0 although the backend did not answer properly`);
      if (mode === "forward" && ["run", "copy"].includes(command.args[0] as string) && result.code !== 0)
        if (command.args[0] === "run" || result.code !== 1 || !/CANARY_DEL/.test(result.stdout))
          // copy --all may meet CANARY_DEL listed but deleted meanwhile (exit 1); it must never be a usage error.
          problems.push(
            `${label}: exit ${result.code} although the backend answered (${result.stderr.trim()})`,
          );
      if (/^\s+at .+:\d+:\d+\)?$/m.test(result.stderr) && combo.level !== "debug")
        problems.push(`${label}: a stack trace below LOG_LEVEL=debug`);
    }
    if (mode === "redirect") {
      for (const [labelName, value] of Object.entries(forbidden(false))) {
        const carried = recorder.carrying(value.slice(0, 24));
        if (carried.length > 0)
          problems.push(`the redirect target received ${labelName} in ${carried.length} request(s)`);
      }
    }
    if (mode === "forward") {
      // Sanity: the canary really came back where it should (the 100 KB one only where the backend holds it).
      const get = results.find((r) => r.command.args[0] === "get");
      const name = get?.command.args[1] as string;
      if (name !== "CANARY_LARGE" || backend.maxValueBytes >= 100 * 1024)
        expect(get?.result.stdout, name).toBe(canaries[name]);
      else expect(get?.result.code, name).toBe(4);
    }
    expect(leaks.map((l) => `${l.run} ${l.where}: ${l.canary} in …${l.context}…`)).toEqual([]);
    expect(problems).toEqual([]);
  }

  describe(`${backend.name}: library calls show no canary in errors, logs or metrics`, () => {
    for (const mode of modeNames) {
      it(`proxy mode ${mode}, every level and format`, { timeout: 120_000 }, () => libraryHunt(mode, false));
    }
    for (const mode of ["forward", "echo"] as const) {
      it(`100 KB values, proxy mode ${mode}, every level and format`, { timeout: 120_000 }, () =>
        libraryHunt(mode, true),
      );
    }
  });

  async function libraryHunt(mode: ModeName, large: boolean): Promise<void> {
    proxy.set(modes[mode]());
    recorder.reset();
    const leaks: string[] = [];
    const problems: string[] = [];
    for (const combo of COMBOS) {
      // A fresh process would remember no value: forget what earlier cases registered.
      clearRedactions();
      const lines: string[] = [];
      const metrics = new RecordingMeterProvider();
      const manager = createSecretManagerFromEnv({
        env: { ...backend.env(proxy.url), SECRET_TIMEOUT: "5" },
        cwd: PACKAGE_DIR,
        logger: createLogger({ level: combo.level, format: combo.format, write: (line) => lines.push(line) }),
        meterProvider: metrics,
      });
      setSecretManager(manager);
      const errors: unknown[] = [];
      const outcomes: Record<string, unknown> = Object.create(null);
      const attempt = async (label: string, call: () => Promise<unknown>) => {
        try {
          outcomes[label] = await call();
        } catch (error) {
          errors.push(error);
          outcomes[label] = error;
        }
      };
      if (large) {
        await attempt("getSecret", () => getSecret("CANARY_LARGE"));
        await attempt("setSecret", () => setSecret("CANARY_SET_LARGE", canaries.CANARY_SET_LARGE as string));
        await attempt("checkProvider", async () => (await manager.checkProvider()).ok);
      } else {
        await attempt("getSecret", () => getSecret("CANARY_VALUE"));
        await attempt("getRequiredSecret", () => getRequiredSecret("CANARY_S3"));
        await attempt("getRequiredSecret missing", () => getRequiredSecret("NO_SUCH_SECRET"));
        await attempt("setSecret", () => setSecret("CANARY_LIB", canaries.CANARY_LIB as string));
        await attempt("getSecrets", () => manager.getSecrets(["CANARY_VALUE", "CANARY_S1", "CANARY_S7"]));
        await attempt("checkProvider", async () => {
          const result = await manager.checkProvider();
          if (result.error) errors.push(result.error);
          return result.ok;
        });
        await attempt("loadSecretConfig", () =>
          loadSecretConfig(schema, { value: "CANARY_VALUE" }, { manager, env: {} }),
        );
        await attempt("deleteSecret", () => deleteSecret("CANARY_LIB"));
      }
      await resetSecretManager();

      const texts: Record<string, string> = Object.create(null);
      texts.logs = lines.join("\n");
      texts.metrics = metrics.text();
      errors.forEach((error, i) => {
        texts[`error ${i} message`] = error instanceof Error ? error.message : String(error);
        texts[`error ${i} stack`] = error instanceof Error ? (error.stack ?? "") : "";
        texts[`error ${i} json`] = safeJson(error);
        texts[`error ${i} inspect`] = inspect(error, { depth: 6 });
      });
      for (const leak of findLeaks(texts, forbidden(false)))
        leaks.push(`[${combo.level}/${combo.format}] ${leak.where}: ${leak.canary} in …${leak.context}…`);
      if (mode !== "forward") {
        if (outcomes.setSecret === true)
          problems.push(`[${combo.level}/${combo.format}] setSecret reported success`);
        if (typeof outcomes.getSecret === "string")
          problems.push(
            `[${combo.level}/${combo.format}] getSecret returned a value the backend did not give`,
          );
      } else if (!large || backend.maxValueBytes >= 100 * 1024) {
        const expected = large ? canaries.CANARY_LARGE : canaries.CANARY_VALUE;
        if (outcomes.getSecret !== expected) problems.push(`getSecret did not read the canary`);
      }
    }
    if (mode === "redirect") {
      for (const [labelName, value] of Object.entries(forbidden(false))) {
        if (recorder.carrying(value.slice(0, 24)).length > 0)
          problems.push(`the redirect target received ${labelName}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(problems).toEqual([]);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

export type { CliResult };
