import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseDotenv } from "dotenv";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkSecrets } from "../examples/embed.js";
import { loadYamlReader, tempDir } from "./helpers.js";

/**
 * The built `secrets` binary, spawned with `node` in a temporary project
 * directory with a minimal environment (no NODE_PATH, no secrets inherited
 * from this process), against the real env provider.
 */

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const yaml = loadYamlReader();

const GENERATED = [
  "SECRET_KEY",
  "JWT_SECRET_KEY",
  "BASIC_AUTH_PASSWORD",
  "TYPESENSE_API_KEY",
  "SPARK_AUTH_SECRET",
  "REDIS_PASSWORD",
  "GRAFANA_ADMIN_PASSWORD",
];
const OPTIONAL_NOT_GENERATED = ["SMTP_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

let dir: string;
let remove: () => void;
beforeAll(() => {
  expect(existsSync(bin), "run pnpm build in packages/cli first").toBe(true);
});
beforeEach(() => {
  ({ dir, remove } = tempDir("secrets-e2e-"));
});
afterEach(() => {
  remove();
  rmSync(`${dir}-cache`, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the binary; unless LOG_LEVEL=debug, stderr must never hold a stack trace. */
function secrets(
  args: string[],
  options: { env?: Record<string, string>; input?: string | Buffer } = {},
): Result {
  // The compile cache (Node 22+) goes beside the project, so the project holds only what the CLI wrote there.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    XDG_CACHE_HOME: `${dir}-cache`,
    ...options.env,
  };
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env,
    input: options.input ?? "",
    encoding: "utf8",
  });
  if (env.LOG_LEVEL !== "debug") {
    expect(result.stderr, `stack trace on stderr of secrets ${args.join(" ")}`).not.toMatch(/^\s+at .+[:(]/m);
    expect(result.stderr.split("\n").filter((l) => l.startsWith("Error:")).length).toBeLessThanOrEqual(1);
  }
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const envFile = () => path.join(dir, ".env");
const readEnv = () => parseDotenv(readFileSync(envFile(), "utf8"));

describe("secrets --version and --help", () => {
  it("prints the package version", () => {
    expect(secrets(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    expect(secrets(["-V"]).stdout).toBe(`${version}\n`);
  });

  it("loads none of the parser, core, commands or providers for --version", () => {
    const trace = path.join(dir, "trace.txt");
    const hooks = path.join(dir, "hooks.mjs");
    const register = path.join(dir, "register.mjs");
    writeFileSync(
      hooks,
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(trace)}, result.url + "\\n");
  return result;
}
`,
    );
    writeFileSync(
      register,
      `import { register } from "node:module";\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
    );
    const result = spawnSync(process.execPath, ["--import", register, bin, "--version"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      encoding: "utf8",
    });
    expect(result.stdout).toBe(`${version}\n`);
    const loaded = readFileSync(trace, "utf8").trim().split("\n");
    const cliDist = `file://${path.dirname(bin)}/`;
    expect(loaded.filter((url) => !url.startsWith(cliDist) && !url.startsWith("node:"))).toEqual([]);
    expect(loaded.some((url) => /\/(main|init|get|health)-[A-Z0-9]+\.js$/.test(url))).toBe(false);
  });

  it("prints help", () => {
    const result = secrets(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("secrets export");
    expect(secrets(["export", "--help"]).stdout).toContain("--format");
  });
});

describe("init", () => {
  it("creates .env with mode 0600, every generatable secret and the development DATABASE_URL", () => {
    const result = secrets(["init"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(statSync(envFile()).mode & 0o777).toBe(0o600);
    const values = readEnv();
    for (const name of GENERATED) expect(values[name], name).toMatch(/^\S{32,}$/);
    expect(values.DATABASE_URL).toBe("sqlite:///./dev.db");
    for (const name of OPTIONAL_NOT_GENERATED) expect(values[name]).toBeUndefined();
    expect(result.stdout).toMatch(/^DATABASE_URL\s+set to the development default$/m);
    expect(result.stdout).toMatch(/^SMTP_PASSWORD\s+not set \(optional, cannot be generated\)/m);
    expect(readdirSync(dir)).toEqual([".env"]);
  });

  it("changes nothing the second time: the file stays byte-identical", () => {
    expect(secrets(["init"]).code).toBe(0);
    const before = readFileSync(envFile());
    const again = secrets(["init"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^SECRET_KEY\s+exists$/m);
    expect(again.stdout).toMatch(/8 unchanged, 3 optional not set\n$/);
    expect(readFileSync(envFile()).equals(before)).toBe(true);
  });

  it("writes nothing with --dry-run", () => {
    const result = secrets(["init", "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SECRET_KEY\s+would be created$/m);
    expect(existsSync(envFile())).toBe(false);
  });

  it("in production, reports DATABASE_URL as missing with the command that sets it, and exits 1", () => {
    const result = secrets(["init"], { env: { NODE_ENV: "production" } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^DATABASE_URL\s+missing \(required\): set it with: secrets set DATABASE_URL$/m,
    );
    expect(readEnv().DATABASE_URL).toBeUndefined();
  });

  it("honours --dotenv-file for an existing file and for a new one", () => {
    writeFileSync(path.join(dir, ".env.local"), "# local settings\nDATABASE_URL=postgres://local/db\n", {
      mode: 0o600,
    });
    const existing = secrets(["init", "--dotenv-file", ".env.local"]);
    expect(existing.code).toBe(0);
    expect(existing.stdout).toMatch(/^DATABASE_URL\s+exists$/m);
    const local = readFileSync(path.join(dir, ".env.local"), "utf8");
    expect(local.startsWith("# local settings\nDATABASE_URL=postgres://local/db\n")).toBe(true);
    expect(parseDotenv(local).SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);

    const created = secrets(["init", "--dotenv-file", "fresh.env"]);
    expect(created.code).toBe(0);
    expect(statSync(path.join(dir, "fresh.env")).mode & 0o777).toBe(0o600);
    expect(existsSync(envFile())).toBe(false);
  });
});

describe("health", () => {
  it("is degraded after init (optional secrets missing): exit 0 with a warning, 3 with --strict", () => {
    secrets(["init"]);
    const result = secrets(["health"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Status: degraded \(3 optional secrets missing\)$/m);
    expect(result.stderr).toBe(
      "Warning: secrets are degraded (3 optional secrets missing); with --strict this exits 3\n",
    );
    expect(secrets(["health", "--strict"]).code).toBe(3);
  });

  it("is healthy once everything is set, and unhealthy without a required secret", () => {
    secrets(["init"]);
    for (const name of OPTIONAL_NOT_GENERATED)
      expect(secrets(["set", name], { input: `value-of-${name}` }).code).toBe(0);
    const healthy = secrets(["health", "--strict"]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/^Status: healthy$/m);

    expect(secrets(["delete", "JWT_SECRET_KEY", "--yes"]).code).toBe(0);
    const unhealthy = secrets(["health"]);
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stdout).toMatch(/^JWT_SECRET_KEY\s+yes\s+missing/m);
  });

  it("prints the report as JSON", () => {
    secrets(["init"]);
    const result = secrets(["health", "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      status: "degraded",
      manifest: "built-in",
      provider: { name: "env", ok: true },
      summary: { total: 11, ok: 8, missing: 3, missingRequired: 0 },
    });
    expect(report.secrets.map((s: { name: string }) => s.name)).toContain("DATABASE_URL");
  });

  it("is degraded while other users can read the secrets file: the report says how to fix it", () => {
    secrets(["init"]);
    for (const name of OPTIONAL_NOT_GENERATED)
      expect(secrets(["set", name], { input: `value-of-${name}` }).code).toBe(0);
    const file = envFile();
    const fix = `${realpathSync(file)} can be read or written by other users (mode 0644): run chmod 600 on it`;
    chmodSync(file, 0o644);
    const result = secrets(["health"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Provider: env ok \(\d+ ms\)\n {2}warning: .*\nStatus: degraded \(1 provider warning\)$/m,
    );
    expect(result.stdout).toContain(`\n  warning: ${fix}\n`);
    expect(result.stderr).toBe(
      "Warning: secrets are degraded (1 provider warning); with --strict this exits 3\n",
    );
    expect(secrets(["health", "--strict"]).code).toBe(3);
    const report = JSON.parse(secrets(["health", "--json"]).stdout);
    expect(report.status).toBe("degraded");
    expect(report.provider).toMatchObject({ name: "env", ok: true, warnings: [fix] });
    // No value of the file in any of it.
    for (const value of Object.values(readEnv())) expect(result.stdout + result.stderr).not.toContain(value);
    chmodSync(file, 0o600);
    const fixed = secrets(["health", "--strict"]);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/^Status: healthy$/m);
    expect(fixed.stdout).not.toContain("warning");
  });

  it("exits 1 when the provider cannot work (the env file's directory is missing)", () => {
    const result = secrets(["health"], { env: { SECRET_ENV_FILE: "missing-dir/.env" } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Provider: env failed: .*missing-dir/m);
  });
});

describe("rotate", () => {
  it("changes the values, and the old ones are gone from the file", () => {
    secrets(["init"]);
    const before = readEnv();
    const result = secrets(["rotate"]);
    expect(result.code).toBe(0);
    const after = readEnv();
    const text = readFileSync(envFile(), "utf8");
    for (const name of GENERATED) {
      expect(after[name], name).not.toBe(before[name]);
      expect(text).not.toContain(before[name] as string);
    }
    expect(after.DATABASE_URL).toBe(before.DATABASE_URL);
    expect(statSync(envFile()).mode & 0o777).toBe(0o600);
  });

  it("rotates only the named secrets", () => {
    secrets(["init"]);
    const before = readEnv();
    expect(secrets(["rotate", "SECRET_KEY"]).code).toBe(0);
    const after = readEnv();
    expect(after.SECRET_KEY).not.toBe(before.SECRET_KEY);
    expect(after.JWT_SECRET_KEY).toBe(before.JWT_SECRET_KEY);
  });
});

describe("set and get", () => {
  it.each([
    ["a newline inside", "first line\nsecond line"],
    ["a trailing newline", "ends with a newline\n"],
    ["quotes", `single ' and double " and back \``],
    ["unicode", "pässwörd ✓ 日本語 🔑"],
    ["spaces around", "  padded  "],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell parameter expansion is the point
    ["shell metacharacters", "$(id) `id` $HOME ${X} \\ ; | &"],
  ])("stores a value with %s from stdin and reads it back exactly", (_label, value) => {
    const set = secrets(["set", "SMTP_PASSWORD"], { input: value });
    expect(set).toEqual({ code: 0, stdout: "Set SMTP_PASSWORD (env)\n", stderr: "" });
    expect(secrets(["get", "SMTP_PASSWORD"])).toEqual({ code: 0, stdout: value, stderr: "" });
    expect(readEnv().SMTP_PASSWORD).toBe(value);
  });

  it("refuses a value on the command line, and it is stored nowhere", () => {
    const result = secrets(["set", "SMTP_PASSWORD", "hunter2-on-argv"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      /^Error: secrets set does not take the value as an argument: .*shell history/,
    );
    expect(result.stderr).not.toContain("hunter2-on-argv");
    expect(existsSync(envFile())).toBe(false);
  });

  it("refuses a value the dotenv file cannot hold (exit 2), naming the secret but not the value", () => {
    expect(secrets(["set", "SMTP_PASSWORD"], { input: "kept" }).code).toBe(0);
    const before = readFileSync(envFile());
    const value = "all three quotes ' \" ` and a trailing space ";
    const result = secrets(["set", "SMTP_PASSWORD"], { input: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^Error: Invalid value for secret 'SMTP_PASSWORD': dotenv cannot represent it/,
    );
    expect(result.stderr).not.toContain(value);
    expect(readFileSync(envFile()).equals(before)).toBe(true);
  });

  it("reads --from-file", () => {
    writeFileSync(path.join(dir, "cert.pem"), "-----BEGIN-----\nabc\n-----END-----\n");
    expect(secrets(["set", "TLS_CERT", "--from-file", "cert.pem"]).code).toBe(0);
    expect(secrets(["get", "TLS_CERT"]).stdout).toBe("-----BEGIN-----\nabc\n-----END-----\n");
  });

  it("exits 4 for a missing secret", () => {
    expect(secrets(["get", "NOPE"])).toEqual({
      code: 4,
      stdout: "",
      stderr: "Error: Secret 'NOPE' not found\n",
    });
  });

  it("exits 1 for --version on a provider without versions", () => {
    secrets(["set", "A"], { input: "x" });
    expect(secrets(["get", "A", "--version", "previous"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: Secret provider 'env' does not support reading earlier versions\n",
    });
  });

  it("exits 2 for invalid names", () => {
    for (const args of [
      ["get", "BAD-NAME"],
      ["set", "1ABC"],
      ["delete", "has space"],
      ["rotate", "SECRET_KEY", "x.y"],
    ]) {
      const result = secrets(args, { input: "v" });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/^Error: Invalid secret name '.+': /);
    }
  });
});

describe("delete and list", () => {
  it("deletes, then reports the secret missing with exit 4", () => {
    secrets(["set", "SMTP_PASSWORD"], { input: "x" });
    expect(secrets(["delete", "SMTP_PASSWORD", "--yes"])).toEqual({
      code: 0,
      stdout: "Deleted SMTP_PASSWORD (env)\n",
      stderr: "",
    });
    expect(secrets(["delete", "SMTP_PASSWORD", "--yes"])).toEqual({
      code: 4,
      stdout: "",
      stderr: "Error: Secret 'SMTP_PASSWORD' not found\n",
    });
    expect(secrets(["get", "SMTP_PASSWORD"]).code).toBe(4);
  });

  it("lists the names in the file, sorted", () => {
    secrets(["set", "ZED"], { input: "1" });
    secrets(["set", "ALPHA"], { input: "2" });
    expect(secrets(["list"])).toEqual({ code: 0, stdout: "ALPHA\nZED\n", stderr: "" });
    expect(JSON.parse(secrets(["list", "--json"]).stdout)).toEqual(["ALPHA", "ZED"]);
  });

  it("restore is not supported by the env provider (exit 1)", () => {
    expect(secrets(["restore", "ALPHA"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: Secret provider 'env' does not support restoring deleted secrets\n",
    });
  });
});

describe("export", () => {
  // Needs quoting in every format: quotes, a literal backslash-n, a real newline, trailing spaces.
  const hostile = `it's "quoted" $HOME \\n\nsecond line  `;

  beforeEach(() => {
    expect(secrets(["init"]).code).toBe(0);
    expect(secrets(["set", "SMTP_PASSWORD"], { input: hostile }).code).toBe(0);
  });

  const expected = () => {
    const values = readEnv();
    const names = [
      "SECRET_KEY",
      "JWT_SECRET_KEY",
      "DATABASE_URL",
      "BASIC_AUTH_PASSWORD",
      "TYPESENSE_API_KEY",
      "SPARK_AUTH_SECRET",
      "REDIS_PASSWORD",
      "GRAFANA_ADMIN_PASSWORD",
      "SMTP_PASSWORD",
    ];
    return { names, values: Object.fromEntries(names.map((n) => [n, values[n]])) };
  };

  it("env: dotenv reads every value back, in manifest order", () => {
    const result = secrets(["export", "--format", "env"]);
    expect(result.code).toBe(0);
    const parsed = parseDotenv(result.stdout);
    const { names, values } = expected();
    expect(Object.keys(parsed)).toEqual(names);
    expect(parsed).toEqual(values);
    expect(parsed.SMTP_PASSWORD).toBe(hostile);
  });

  it("json: JSON.parse reads every value back", () => {
    const result = secrets(["export", "--format", "json"]);
    const { names, values } = expected();
    const parsed = JSON.parse(result.stdout);
    expect(Object.keys(parsed)).toEqual(names);
    expect(parsed).toEqual(values);
  });

  it("yaml: YAML 1.2 and 1.1 readers get every value back as the same string", () => {
    const result = secrets(["export", "--format", "yaml"]);
    const { values } = expected();
    expect(yaml.parse(result.stdout)).toEqual(values);
    expect(yaml.parse(result.stdout, { version: "1.1" })).toEqual(values);
  });

  it("shell: sh reads every value back exactly", () => {
    const result = secrets(["export", "--format", "shell"]);
    writeFileSync(path.join(dir, "secrets.sh"), result.stdout);
    const { names, values } = expected();
    for (const name of names) {
      const read = spawnSync("sh", ["-c", `. ./secrets.sh; printf %s "$${name}"`], {
        cwd: dir,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
      });
      expect({ name, value: read.stdout }).toEqual({ name, value: values[name] });
    }
  });

  it("--output writes the file atomically with mode 0600", () => {
    for (const format of ["env", "json", "yaml", "shell"]) {
      const file = `out.${format}`;
      const result = secrets(["export", "--format", format, "--output", file]);
      expect(result).toEqual({
        code: 0,
        stdout: `Exported 9 secrets to ${file} (${format}, mode 0600)\n`,
        stderr: "",
      });
      expect(statSync(path.join(dir, file)).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(dir).sort()).toEqual([".env", "out.env", "out.json", "out.shell", "out.yaml"]);
    expect(parseDotenv(readFileSync(path.join(dir, "out.env"), "utf8")).SMTP_PASSWORD).toBe(hostile);
  });

  it("--all adds secrets the manifest does not declare", () => {
    secrets(["set", "EXTRA_TOKEN"], { input: "extra" });
    const plain = JSON.parse(secrets(["export", "--format", "json"]).stdout);
    expect(plain.EXTRA_TOKEN).toBeUndefined();
    const all = JSON.parse(secrets(["export", "--format", "json", "--all"]).stdout);
    expect(Object.keys(all).at(-1)).toBe("EXTRA_TOKEN");
  });

  it("exits 2 for an unknown format, naming the valid ones", () => {
    expect(secrets(["export", "--format", "xml"])).toEqual({
      code: 2,
      stdout: "",
      stderr: 'Error: Unknown export format "xml": use one of env, json, yaml, shell\n',
    });
  });
});

describe("configuration errors", () => {
  it("exits 2 for an unknown provider name", () => {
    expect(secrets(["list"], { env: { SECRET_PROVIDER: "not a provider!" } })).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: Invalid SECRET_PROVIDER (a 15-character value): use env, vault, aws, a provider package name (such as @acme/secrets-provider-foo), or a path starting with ./, ../ or /\n",
    });
    expect(secrets(["list", "--provider", "@acme/nope"]).stderr).toBe(
      "Error: Secret provider '@acme/nope' is not installed: run npm install @acme/nope\n",
    );
  });

  it("names @org/secrets-provider-vault for SECRET_PROVIDER=vault when it is not installed", () => {
    expect(secrets(["health"], { env: { SECRET_PROVIDER: "vault" } })).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: Secret provider 'vault' is not installed: run npm install @org/secrets-provider-vault\n",
    });
  });

  it("exits 2 for a malformed manifest, with file:line", () => {
    writeFileSync(
      path.join(dir, "secrets.yaml"),
      "version: 1\nsecrets:\n  API_KEY:\n    generate: { kind: nope }\n",
    );
    const result = secrets(["init"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Error: secrets\.yaml:4:\d+: .+\n$/);
    writeFileSync(path.join(dir, "broken.yaml"), "version: 1\nsecrets: [unclosed\n");
    expect(secrets(["health", "--manifest", "broken.yaml"]).stderr).toMatch(/^Error: broken\.yaml:\d+:\d+: /);
  });

  it("exits 2 for unknown commands and options, with a pointer to --help", () => {
    expect(secrets(["frobnicate"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "Error: Unknown command \"frobnicate\" (run 'secrets --help' for usage)\n",
    });
    expect(secrets(["list", "--verbose"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "Error: Unknown argument: verbose (run 'secrets list --help' for usage)\n",
    });
  });
});

describe("a canary value at LOG_LEVEL=debug", () => {
  it("never reaches stderr, and stdout only where the value is the product", () => {
    const canary = "CANARY-5c1f0e-d0-not-log-me-9a7b";
    const debug = { LOG_LEVEL: "debug" };
    const all: Array<{ args: string[]; result: Result; productIsValue: boolean }> = [];
    const run = (args: string[], productIsValue = false, input?: string) => {
      const result = secrets(args, { env: debug, ...(input === undefined ? {} : { input }) });
      all.push({ args, result, productIsValue });
      return result;
    };

    expect(run(["set", "SMTP_PASSWORD"], false, canary).code).toBe(0);
    expect(run(["set", "SMTP_PASSWORD"], false, canary).code).toBe(0);
    run(["set", "SMTP_PASSWORD", canary]);
    run(["init"]);
    run(["init", "--force", "--json"]);
    run(["rotate"]);
    run(["rotate", "SMTP_PASSWORD"]);
    run(["health"]);
    run(["health", "--json", "--strict"]);
    run(["list"]);
    run(["list", "--json"]);
    expect(run(["get", "SMTP_PASSWORD"], true).stdout).toBe(canary);
    run(["get", "SMTP_PASSWORD", "--json"], true);
    run(["get", "SMTP_PASSWORD", "--version", "previous"]);
    for (const format of ["env", "json", "yaml", "shell"]) run(["export", "--format", format, "--all"], true);
    run(["export", "--format", "env", "--output", "exported.env"]);
    run(["export", "--format", "toml"]);
    run(["restore", "SMTP_PASSWORD"]);
    run(["delete", "SMTP_PASSWORD", "--yes"]);
    run(["get", "SMTP_PASSWORD"]);

    expect(readFileSync(path.join(dir, "exported.env"), "utf8")).toContain(canary);
    // The debug logs were really on: otherwise this test would prove nothing.
    expect(all.some(({ result }) => /DEBUG\s+secret\.(get|set)/.test(result.stderr))).toBe(true);
    for (const { args, result, productIsValue } of all) {
      expect(result.stderr, `stderr of secrets ${args.join(" ")}`).not.toContain(canary);
      if (!productIsValue) expect(result.stdout, `stdout of secrets ${args.join(" ")}`).not.toContain(canary);
    }
    unlinkSync(path.join(dir, "exported.env"));
  });
});

describe("the README example", () => {
  it("runs health in-process and returns the parsed report", async () => {
    expect(secrets(["init"]).code).toBe(0);
    const { ok, report } = await checkSecrets(dir);
    expect(ok).toBe(true);
    expect(report).toMatchObject({ status: "degraded", provider: { name: "env", ok: true } });
  });

  it("is shown verbatim in the README", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("../examples/embed.ts", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
