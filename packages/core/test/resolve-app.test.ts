import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// Applications laid out as they are deployed, each started from another
// directory: the provider must be found the way the application finds its own
// imports. Everything runs the built packages in a child process.

const here = path.dirname(fileURLToPath(import.meta.url));
const packages = path.resolve(here, "../..");
const root = realpathSync(mkdtempSync(path.join(tmpdir(), "secrets-app-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `node_modules/<name>` in `dir`, linked to a workspace package (as pnpm and `npm link` do). */
function link(dir: string, name: string, target: string): void {
  const at = path.join(dir, "node_modules", ...name.split("/"));
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(target, at, "dir");
}

const ESM_APP = `import { getSecret } from "@org/secrets-core";
try { process.stdout.write(String(await getSecret("GREETING"))); }
catch (error) { process.stdout.write("ERROR " + error.code + " " + error.message); }
`;
const CJS_APP = `const { getSecret } = require("@org/secrets-core");
getSecret("GREETING").then(
  (value) => process.stdout.write(String(value)),
  (error) => process.stdout.write("ERROR " + error.code + " " + error.message),
);
`;

/** An application directory with core and the given providers in its node_modules, and both entry points. */
function app(name: string, providers: string[]): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  link(dir, "@org/secrets-core", path.join(packages, "core"));
  for (const provider of providers) link(dir, `@org/secrets-${provider}`, path.join(packages, provider));
  writeFileSync(path.join(dir, "server.mjs"), ESM_APP);
  writeFileSync(path.join(dir, "server.cjs"), CJS_APP);
  return dir;
}

const elsewhere = path.join(root, "elsewhere");
mkdirSync(elsewhere, { recursive: true });

interface Run {
  stdout: string;
  /** The debug line that tells where the provider was found. */
  resolved: Record<string, unknown> | undefined;
}

function run(script: string, env: Record<string, string> = {}): Run {
  const child = spawnSync(process.execPath, [script], {
    cwd: elsewhere,
    env: {
      PATH: process.env.PATH ?? "",
      GREETING: "hello-from-the-environment",
      LOG_LEVEL: "debug",
      LOG_FORMAT: "json",
      ...env,
    },
    encoding: "utf8",
    timeout: 20_000,
  });
  const lines = child.stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stdout: child.stdout, resolved: lines.find((line) => line.msg === "secret.provider resolved") };
}

describe("resolving a provider from an application started in another directory", () => {
  const withEnv = app("with-env", ["provider-env"]);

  for (const entry of ["server.mjs", "server.cjs"]) {
    it(`finds the env provider beside the main module (${entry})`, () => {
      const { stdout, resolved } = run(path.join(withEnv, entry));
      expect(stdout).toBe("hello-from-the-environment");
      expect(resolved).toMatchObject({
        provider: "env",
        package: "@org/secrets-provider-env",
        from: "main module",
        directory: withEnv,
      });
    });
  }

  it("follows a symlinked main module to the directory it really lives in", () => {
    const bin = path.join(root, "bin");
    mkdirSync(bin, { recursive: true });
    symlinkSync(path.join(withEnv, "server.mjs"), path.join(bin, "server.mjs"));
    const { stdout, resolved } = run(path.join(bin, "server.mjs"));
    expect(stdout).toBe("hello-from-the-environment");
    expect(resolved).toMatchObject({ from: "main module", directory: withEnv });
  });

  for (const [format, file] of [
    ["esm", "index.js"],
    ["cjs", "index.cjs"],
  ] as const) {
    it(`finds a provider installed beside core itself, as for a tool installed elsewhere (${format})`, () => {
      // core really lives in tool/node_modules (a copy, not a link), beside the env provider.
      const tool = path.join(root, `tool-${format}`);
      const core = path.join(tool, "node_modules", "@org", "secrets-core");
      mkdirSync(core, { recursive: true });
      cpSync(path.join(packages, "core", "package.json"), path.join(core, "package.json"));
      cpSync(path.join(packages, "core", "dist"), path.join(core, "dist"), { recursive: true });
      link(tool, "@opentelemetry/api", path.join(packages, "core", "node_modules", "@opentelemetry", "api"));
      link(tool, "@org/secrets-provider-env", path.join(packages, "provider-env"));
      // The main module sits in a directory with no node_modules at all.
      const script = path.join(root, `scripts-${format}`, format === "esm" ? "run.mjs" : "run.cjs");
      mkdirSync(path.dirname(script), { recursive: true });
      const entry = JSON.stringify(path.join(core, "dist", file));
      writeFileSync(
        script,
        format === "esm"
          ? ESM_APP.replace('"@org/secrets-core"', entry)
          : CJS_APP.replace('"@org/secrets-core"', entry),
      );
      const { stdout, resolved } = run(script);
      expect(stdout).toBe("hello-from-the-environment");
      expect(resolved).toMatchObject({ from: "core", directory: path.join(core, "dist") });
    });
  }

  it("still resolves from the working directory when neither core nor the main module has it", () => {
    const project = path.join(root, "project");
    link(project, "@org/secrets-provider-env", path.join(packages, "provider-env"));
    const scripts = path.join(root, "scripts-cwd");
    mkdirSync(scripts, { recursive: true });
    const script = path.join(scripts, "run.mjs");
    writeFileSync(
      script,
      ESM_APP.replace('"@org/secrets-core"', JSON.stringify(path.join(packages, "core", "dist", "index.js"))),
    );
    const child = spawnSync(process.execPath, [script], {
      cwd: project,
      env: { PATH: process.env.PATH ?? "", GREETING: "from-cwd", LOG_LEVEL: "debug", LOG_FORMAT: "json" },
      encoding: "utf8",
    });
    expect(child.stdout).toBe("from-cwd");
    expect(child.stderr).toContain('"from":"working directory"');
  });

  for (const entry of ["server.mjs", "server.cjs"]) {
    it(`with SECRET_PROVIDER unset and only Vault installed, says to set SECRET_PROVIDER (${entry})`, () => {
      const vaultOnly = app(`vault-only-${entry}`, ["provider-vault"]);
      const { stdout } = run(path.join(vaultOnly, entry));
      expect(stdout).toBe(
        "ERROR PROVIDER_NOT_INSTALLED SECRET_PROVIDER is not set, and the default provider 'env' (@org/secrets-provider-env) is not installed: set SECRET_PROVIDER=vault",
      );
    });
  }

  it("with SECRET_PROVIDER=env set explicitly, says to install the env provider", () => {
    const vaultOnly = app("vault-only-explicit", ["provider-vault"]);
    const { stdout } = run(path.join(vaultOnly, "server.mjs"), { SECRET_PROVIDER: "env" });
    expect(stdout).toBe(
      "ERROR PROVIDER_NOT_INSTALLED Secret provider 'env' is not installed: run npm install @org/secrets-provider-env",
    );
  });

  it("with SECRET_PROVIDER unset and no provider installed, says to set it or install one", () => {
    const bare = app("bare", []);
    const { stdout } = run(path.join(bare, "server.cjs"));
    expect(stdout).toMatch(
      /^ERROR PROVIDER_NOT_INSTALLED SECRET_PROVIDER is not set, .*set SECRET_PROVIDER to/,
    );
    expect(stdout).toContain("npm install @org/secrets-provider-env");
  });
});
