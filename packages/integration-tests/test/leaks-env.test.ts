/**
 * The leak hunt on the env provider: canaries in a dotenv file, every CLI
 * command at every log level and format, with failures provoked (a malformed
 * line carrying a canary, a value given on the command line, a missing secret).
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import {
  type CliProject,
  canaryValue,
  createCliProject,
  findLeaks,
  mapLimit,
  runCli,
  SHORT_CANARIES,
} from "@org/secrets-test-support";
import { afterAll, beforeAll, expect, it } from "vitest";
import { COMBOS, PACKAGE_DIR } from "./support/hunt.js";

const canaries: Record<string, string> = Object.create(null);
canaries.CANARY_VALUE = canaryValue("ENVVALUE");
canaries.CANARY_SET = canaryValue("ENVSET");
canaries.CANARY_ARGV = canaryValue("ENVARGV");
canaries.CANARY_BROKEN = canaryValue("ENVBROKEN");
canaries.CANARY_SHORT = SHORT_CANARIES[3] as string;

let project: CliProject;

beforeAll(async () => {
  project = await createCliProject([], PACKAGE_DIR);
  await fs.writeFile(
    path.join(project.dir, "secrets.yaml"),
    "version: 1\nsecrets:\n  CANARY_VALUE:\n    required: true\n  CANARY_SHORT:\n    required: false\n  GEN_KEY:\n    generate: hex\n",
  );
});
afterAll(() => project?.remove());

const good = () => `CANARY_VALUE=${canaries.CANARY_VALUE}\nCANARY_SHORT=${canaries.CANARY_SHORT}\n`;
const broken = () => `${good()}THIS LINE IS BROKEN ${canaries.CANARY_BROKEN}\n`;

it("env provider: no canary outside get/export output, at every level and format", {
  timeout: 120_000,
}, async () => {
  const commands: Array<{ args: string[]; stdin?: string; printsValues?: boolean; file?: "broken" }> = [
    { args: ["get", "CANARY_VALUE"], printsValues: true },
    { args: ["get", "NO_SUCH_SECRET"] },
    { args: ["set", "CANARY_SET"], stdin: canaries.CANARY_SET as string },
    { args: ["set", "CANARY_ARGV", canaries.CANARY_ARGV as string] },
    { args: ["list"] },
    { args: ["health", "--json"] },
    { args: ["init"] },
    { args: ["export", "--format", "shell"], printsValues: true },
    { args: ["get", "CANARY_VALUE"], file: "broken", printsValues: true },
    { args: ["health"], file: "broken" },
  ];
  // Debug (which prints stacks) in both formats for every command, and the other levels in rotation.
  const runs = commands.flatMap((command, c) =>
    COMBOS.filter((combo, i) => combo.level === "debug" || (i + c) % 3 === 0).map((combo) => ({
      command,
      combo,
    })),
  );
  const leaks: string[] = [];
  const problems: string[] = [];
  await mapLimit(runs, 2, async ({ command, combo }, index) => {
    const file = path.join(project.dir, `.env.${index}`);
    await fs.writeFile(file, command.file === "broken" ? broken() : good(), { mode: 0o600 });
    const result = await runCli(command.args, {
      cwd: project.dir,
      env: {
        HOME: project.dir,
        SECRET_PROVIDER: "env",
        SECRET_ENV_FILE: file,
        LOG_LEVEL: combo.level,
        LOG_FORMAT: combo.format,
      },
      ...(command.stdin === undefined ? {} : { stdin: command.stdin }),
      timeoutMs: 30_000,
    });
    const label = `${command.args.join(" ").replace(canaries.CANARY_ARGV as string, "<argv canary>")}${command.file ? " (malformed file)" : ""} [${combo.level}/${combo.format}]`;
    const texts: Record<string, string> = { stderr: result.stderr };
    if (!command.printsValues) texts.stdout = result.stdout;
    for (const leak of findLeaks(texts, canaries))
      leaks.push(`${label} ${leak.where}: ${leak.canary} in …${leak.context}…`);
    if (command.args.length === 3 && command.args[0] === "set" && result.code !== 2)
      problems.push(`${label}: a value on the command line was not refused with exit 2 (got ${result.code})`);
    if (/^\s+at .+:\d+:\d+\)?$/m.test(result.stderr) && combo.level !== "debug")
      problems.push(`${label}: a stack trace below LOG_LEVEL=debug`);
  });
  expect(leaks).toEqual([]);
  expect(problems).toEqual([]);
});
