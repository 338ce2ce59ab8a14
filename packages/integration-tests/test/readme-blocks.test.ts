/**
 * Every code block of every README, run as a user would run it: against the
 * packed tarballs of the published packages, installed with npm into an empty
 * project. A wrong line in a README fails here.
 *
 * - TypeScript: one strict `tsc` over every block; blocks not marked
 *   `typecheck-only` are then run with `node` in a project whose `.env` the
 *   installed `secrets init` filled (env provider), or against a real OpenBao /
 *   moto when marked so. A block that says it is a file of the repository
 *   (`examples/…`) must be that file, byte for byte.
 * - Shell: run line by line with bash in a fresh folder, with the installed
 *   CLI on PATH; every line must exit 0. `npm install` lines are checked, not
 *   run (the packages are installed already): they must name published
 *   packages, and a README's install lines must cover the packages its
 *   TypeScript imports and their peers. Lines for tools CI has not
 *   (docker, kubectl, aws) are parsed with `bash -n` only.
 * - YAML is parsed; a secrets manifest must load with the initializer's
 *   parser (or, marked `manifest-error`, fail with exactly the message and
 *   issues the README shows). JSON is parsed; HCL policies are written to a
 *   real OpenBao, which parses them; Dockerfiles are checked for known
 *   instructions.
 */
import { execFile } from "node:child_process";
import { promises as fs, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  motoEnv,
  type OpenBaoServer,
  type RunningServer,
  repoRoot,
  startMoto,
  startOpenBao,
} from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commandWord,
  extractBlocks,
  findReadmes,
  importedPackages,
  installedByReadme,
  lineSegments,
  OTHER_CHECKED,
  type ReadmeBlock,
  SH_LANGS,
  shellCommands,
  TEXT_LANGS,
  TS_LANGS,
  YAML_LANGS,
} from "./support/readme-blocks.js";

const ROOT = repoRoot();
const READMES = findReadmes(ROOT);
const BLOCKS = READMES.flatMap((readme) => extractBlocks(ROOT, readme));

/** Published packages: every `packages/*` that is not private. */
const PUBLISHED = (() => {
  const found = new Map<string, { dir: string; manifest: Record<string, unknown> }>();
  for (const dir of READMES.filter((r) => r.startsWith("packages/")).map((r) => path.dirname(r))) {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, dir, "package.json"), "utf8"));
    if (manifest.private !== true) found.set(manifest.name, { dir, manifest });
  }
  return found;
})();

/** Commands CI cannot run: parsed, not executed. */
const EXTERNAL_COMMANDS = new Set(["docker", "kubectl", "aws", "helm"]);
/** Connection settings a block's own lines may name; replaced by the real test server's. */
const CONNECTION_VARIABLES = [
  "VAULT_URL",
  "VAULT_ADDR",
  "BAO_ADDR",
  "VAULT_TOKEN",
  "AWS_ENDPOINT_URL_SECRETS_MANAGER",
];
const DOCKERFILE_INSTRUCTIONS =
  /^(FROM|RUN|CMD|LABEL|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR|ARG|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL)\b/i;

/** Workspace packages and their scripts, for `pnpm --filter NAME SCRIPT` lines. */
const WORKSPACE = (() => {
  const found = new Map<string, Set<string>>();
  for (const parent of ["packages", "apps"]) {
    for (const dir of readdirSync(path.join(ROOT, parent))) {
      try {
        const manifest = JSON.parse(readFileSync(path.join(ROOT, parent, dir, "package.json"), "utf8"));
        found.set(manifest.name, new Set(Object.keys(manifest.scripts ?? {})));
      } catch {
        // not a package
      }
    }
  }
  return found;
})();
const ROOT_SCRIPTS = new Set(
  Object.keys(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts),
);
const PNPM_COMMANDS = new Set(["install", "i", "add", "exec", "dlx", "pack", "publish", "run"]);

/** What is wrong with an `npm install …` or `pnpm …` line: unknown packages, scripts or filters. */
function staticProblems(segment: string): string[] {
  const words = segment.split(/\s+/);
  const problems: string[] = [];
  if (words[0] === "npm") {
    for (const name of words.slice(2).filter((w) => !w.startsWith("-"))) {
      if (name.startsWith("@org/") && !PUBLISHED.has(name))
        problems.push(`${name} is not a published package`);
    }
    return problems;
  }
  const filter = words.indexOf("--filter");
  if (filter >= 0) {
    const name = words[filter + 1] ?? "";
    const scripts = WORKSPACE.get(name);
    const script = words.slice(filter + 2).find((w) => !w.startsWith("-"));
    if (!scripts) problems.push(`no workspace package ${name}`);
    else if (script === undefined || (!scripts.has(script) && !PNPM_COMMANDS.has(script))) {
      problems.push(`${name} has no script ${script}`);
    }
    return problems;
  }
  const command = words.slice(1).find((w) => !w.startsWith("-"));
  if (command === undefined || (!ROOT_SCRIPTS.has(command) && !PNPM_COMMANDS.has(command))) {
    problems.push(`the repository has no script ${command}`);
  }
  return problems;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number" && error.code !== undefined && !("killed" in error)) {
          reject(error);
          return;
        }
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** What a user of a real backend has at hand for the one secret `init` cannot generate. */
const EXAMPLE_DATABASE_URL = "postgres://app@db.example:5432/app";

let work: string;
let sandbox: string;
let initialized: string;
let openBao: OpenBaoServer | undefined;
let moto: RunningServer | undefined;
const diagnostics = new Map<string, string[]>();

function backendEnv(backend: ReadmeBlock["backend"]): Record<string, string> {
  if (backend === "vault") {
    if (!openBao) throw new Error("OpenBao did not start");
    return { VAULT_URL: openBao.url, VAULT_TOKEN: openBao.token, DATABASE_URL: EXAMPLE_DATABASE_URL };
  }
  if (backend === "aws") {
    if (!moto) throw new Error("moto did not start");
    return { ...motoEnv(moto.url), DATABASE_URL: EXAMPLE_DATABASE_URL };
  }
  return {};
}

/** The environment a user's shell would have: nothing of this test process's secrets settings. */
function userEnv(extra: Record<string, string>, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.join(sandbox, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
    HOME: home,
    LANG: "C.UTF-8",
    npm_config_offline: "true",
    npm_config_update_notifier: "false",
    NO_COLOR: "1",
    VALUE: "docs-test-value-0123456789",
    ...extra,
  };
  return env;
}

/** A fresh project folder: the installed packages, and `.env` as `secrets init` left it (or empty). */
async function projectDir(withSecrets: boolean): Promise<string> {
  const dir = await fs.mkdtemp(path.join(work, "run-"));
  await fs.symlink(path.join(sandbox, "node_modules"), path.join(dir, "node_modules"));
  await fs.writeFile(path.join(dir, "package.json"), '{ "private": true, "type": "module" }\n');
  await fs.writeFile(path.join(dir, "server.js"), "process.exit(process.env.DATABASE_URL ? 0 : 3);\n");
  await fs.writeFile(
    path.join(dir, "key.pem"),
    "-----BEGIN PRIVATE KEY-----\nZG9jcy10ZXN0\n-----END PRIVATE KEY-----\n",
  );
  const env = withSecrets ? await fs.readFile(path.join(initialized, ".env"), "utf8") : "";
  await fs.writeFile(path.join(dir, ".env"), `${env}OLD_KEY=old-value-to-delete\n`, { mode: 0o600 });
  return dir;
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "readme-blocks-"));
  const tarballs = path.join(work, "tarballs");
  sandbox = path.join(work, "project");
  await fs.mkdir(tarballs);
  await fs.mkdir(path.join(sandbox, "blocks"), { recursive: true });

  // Pack every published package as it would be published, and install the tarballs.
  const dependencies: Record<string, string> = {};
  for (const [name, { dir }] of PUBLISHED) {
    const packed = await runProcess("pnpm", ["pack", "--pack-destination", tarballs], {
      cwd: path.join(ROOT, dir),
    });
    expect(packed.code, `pnpm pack of ${name}: ${packed.stderr}`).toBe(0);
    const file = (await fs.readdir(tarballs)).find((f) =>
      f.startsWith(`${name.slice(1).replace("/", "-")}-`),
    );
    if (!file) throw new Error(`pnpm pack of ${name} left no tarball`);
    dependencies[name] = `file:${path.join(tarballs, file)}`;
  }
  const rootManifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  Object.assign(dependencies, {
    typescript: rootManifest.devDependencies.typescript,
    "@types/node": rootManifest.devDependencies["@types/node"],
    vitest: rootManifest.devDependencies.vitest,
    zod: "^3.25.0",
  });
  await fs.writeFile(
    path.join(sandbox, "package.json"),
    JSON.stringify({ name: "readme-blocks", private: true, type: "module", dependencies }, null, 2),
  );
  const installed = await runProcess("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: sandbox,
    timeoutMs: 400_000,
  });
  expect(installed.code, `npm install: ${installed.stderr}`).toBe(0);

  [openBao, moto] = await Promise.all([startOpenBao(), startMoto()]);

  // The project every runnable TypeScript block starts from: `secrets init` with the env provider.
  initialized = await fs.mkdtemp(path.join(work, "initialized-"));
  const init = await runProcess(path.join(sandbox, "node_modules", ".bin", "secrets"), ["init", "--quiet"], {
    cwd: initialized,
    env: userEnv({}, work),
  });
  expect(init.code, `secrets init: ${init.stderr}`).toBe(0);

  // One strict tsc over every TypeScript block.
  for (const block of BLOCKS) {
    if (!TS_LANGS.has(block.lang) || block.mode === "skip") continue;
    await fs.writeFile(path.join(sandbox, "blocks", `${block.id}.ts`), withTypeChecks(block));
  }
  await fs.writeFile(
    path.join(sandbox, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        types: ["node"],
        skipLibCheck: true,
        rootDir: "blocks",
        outDir: "out",
      },
      include: ["blocks"],
    }),
  );
  const tsc = await runProcess(
    path.join(sandbox, "node_modules", ".bin", "tsc"),
    ["-p", ".", "--pretty", "false"],
    {
      cwd: sandbox,
    },
  );
  for (const line of `${tsc.stdout}\n${tsc.stderr}`.split("\n")) {
    const match = /^blocks\/(.+?)\.ts\((\d+),(\d+)\): (error .*)$/.exec(line);
    if (!match) {
      if (/error TS/.test(line)) diagnostics.set("(global)", [...(diagnostics.get("(global)") ?? []), line]);
      continue;
    }
    const [, id = "", row, column, text] = match;
    diagnostics.set(id, [...(diagnostics.get(id) ?? []), `line ${row}:${column} ${text}`]);
  }
}, 600_000);

afterAll(async () => {
  await Promise.all([openBao?.stop(), moto?.stop()]);
  if (work) await fs.rm(work, { recursive: true, force: true });
});

/** For `same-as PKG` blocks: each declared interface / type must be identical to PKG's export of that name. */
function withTypeChecks(block: ReadmeBlock): string {
  if (!block.sameAs) return block.code;
  const names = [...block.code.matchAll(/^(?:export\s+)?(?:interface|type)\s+(\w+)/gm)].map((m) => m[1]);
  if (names.length === 0) throw new Error(`${block.readme}:${block.line}: same-as block declares no type`);
  return [
    block.code,
    `import type * as __DocsExports from "${block.sameAs}";`,
    "type __DocsSame<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;",
    ...names.map(
      (name) => `export const __docsSame${name}: __DocsSame<${name}, __DocsExports.${name}> = true;`,
    ),
    "",
  ].join("\n");
}

function where(block: ReadmeBlock): string {
  return `${block.readme}:${block.line}`;
}

describe("README code blocks", () => {
  it("tsc reports nothing outside the blocks", () => {
    expect(diagnostics.get("(global)") ?? []).toEqual([]);
  });

  it("every block has a checker, and every skip a reason", () => {
    const unchecked = BLOCKS.filter(
      (b) =>
        b.mode !== "skip" &&
        !TS_LANGS.has(b.lang) &&
        !SH_LANGS.has(b.lang) &&
        !YAML_LANGS.has(b.lang) &&
        !TEXT_LANGS.has(b.lang) &&
        !OTHER_CHECKED.has(b.lang),
    ).map((b) => `${where(b)} (${b.lang})`);
    expect(unchecked).toEqual([]);
    // Skips are few: a skip hides a block from every check.
    expect(BLOCKS.filter((b) => b.mode === "skip").length).toBeLessThanOrEqual(3);
  });

  for (const block of BLOCKS) {
    const title = `${where(block)} ${block.lang || "text"}${block.mode === "default" ? "" : ` (${block.mode})`}`;

    if (block.mode === "skip" || TEXT_LANGS.has(block.lang)) continue;

    if (TS_LANGS.has(block.lang)) {
      it(`${title} type-checks${block.mode === "typecheck-only" ? "" : " and runs"}`, async () => {
        expect(diagnostics.get(block.id) ?? [], `tsc on ${where(block)}`).toEqual([]);
        if (block.mirrors) {
          const file = path.join(ROOT, path.dirname(block.readme), block.mirrors);
          expect(block.code, `${where(block)} must be ${block.mirrors} as it is`).toBe(
            await fs.readFile(file, "utf8"),
          );
        }
        if (block.mode === "typecheck-only") return;
        const dir = await projectDir(true);
        if (block.mode === "vitest") {
          await fs.writeFile(path.join(dir, "readme.test.ts"), block.code);
          const tested = await runProcess(path.join(sandbox, "node_modules", ".bin", "vitest"), ["run"], {
            cwd: dir,
            env: userEnv(backendEnv(block.backend), dir),
          });
          expect(
            tested.code,
            `vitest on ${where(block)}: ${tested.stdout.slice(-4000)}${tested.stderr}`,
          ).toBe(0);
          expect(tested.stdout, `vitest on ${where(block)} ran no test`).toMatch(/Tests\s+\d+ passed/);
          return;
        }
        const ran = await runProcess(process.execPath, [path.join(sandbox, "out", `${block.id}.js`)], {
          cwd: dir,
          env: userEnv(backendEnv(block.backend), dir),
        });
        expect(ran.code, `${where(block)} exited ${ran.code}: ${ran.stderr}`).toBe(0);
      });
      continue;
    }

    if (SH_LANGS.has(block.lang)) {
      it(`${title} runs`, async () => {
        const commands = shellCommands(block.code);
        const syntax = await runProcess("bash", ["-n", "-c", block.code], { cwd: work });
        expect(syntax.code, `bash -n ${where(block)}: ${syntax.stderr}`).toBe(0);
        if (block.mode === "syntax-only") return;
        const substitutions = backendEnv(block.backend);
        const script = ["set -o pipefail"];
        for (const { line, text } of commands) {
          const word = commandWord(text.replace(/^\s*export\s+/, ""));
          // Installing and repository commands are checked, not run: the packages are installed already.
          const segments = lineSegments(text);
          const statics = segments.filter((segment) => /^(npm (install|i|add)|pnpm)\b/.test(segment));
          if (statics.length > 0) {
            expect(statics, `${where(block)} line ${line} mixes installing with other commands`).toEqual(
              segments,
            );
            for (const segment of statics) {
              expect(staticProblems(segment), `${where(block)} line ${line}`).toEqual([]);
            }
            continue;
          }
          if (EXTERNAL_COMMANDS.has(word)) continue; // parsed above with bash -n
          let run = text;
          for (const name of CONNECTION_VARIABLES) {
            const value = substitutions[name];
            if (value !== undefined)
              run = run.replace(new RegExp(`\\b${name}=\\S+`, "g"), `${name}=${value}`);
          }
          script.push(
            run,
            `__rc=$?; if [ "$__rc" -ne 0 ]; then echo "docs-test: line ${line} exited $__rc: ${JSON.stringify(
              text,
            )
              .slice(1, -1)
              .replace(/[`$"\\]/g, ".")}" >&2; exit 100; fi`,
          );
        }
        const dir = await projectDir(false);
        const scriptFile = path.join(dir, ".docs-block.sh");
        await fs.writeFile(scriptFile, `${script.join("\n")}\n`);
        const ran = await runProcess("bash", [scriptFile], { cwd: dir, env: userEnv(substitutions, dir) });
        expect(ran.code, `${where(block)}: ${ran.stdout.slice(-4000)}${ran.stderr}`).toBe(0);
      });
      continue;
    }

    if (YAML_LANGS.has(block.lang)) {
      it(`${title} parses${block.mode === "manifest-error" ? " and is rejected as shown" : ""}`, async () => {
        const { parseDocument } = await import(
          path.join(sandbox, "node_modules", "yaml", "dist", "index.js")
        );
        const document = parseDocument(block.code);
        expect(
          document.errors.map((e: Error) => e.message),
          where(block),
        ).toEqual([]);
        const value = document.toJS();
        const isManifest =
          value !== null && typeof value === "object" && "secrets" in value && "version" in value;
        if (!isManifest) {
          expect(block.mode, `${where(block)} is marked manifest-error but is no manifest`).not.toBe(
            "manifest-error",
          );
          return;
        }
        const { parseManifest } = await import(
          path.join(sandbox, "node_modules", "@org", "secrets-initializer", "dist", "index.js")
        );
        if (block.mode !== "manifest-error") {
          expect(() => parseManifest(block.code, "secrets.yaml"), where(block)).not.toThrow();
          return;
        }
        let error:
          | { message: string; issues: Array<{ line: number; column: number; message: string }> }
          | undefined;
        try {
          parseManifest(block.code, "secrets.yaml");
        } catch (caught) {
          error = caught as typeof error;
        }
        expect(error, `${where(block)} must be rejected`).toBeDefined();
        const following = BLOCKS.filter((b) => b.readme === block.readme && b.line > block.line).slice(0, 2);
        expect(following.map((b) => b.lang)).toEqual(["text", "text"]);
        expect(`${error?.message}\n`, `the message shown after ${where(block)}`).toBe(following[0]?.code);
        const issues = error?.issues
          .map((i) => `${`${i.line}:${i.column}`.padEnd(5)} ${i.message}`)
          .join("\n");
        expect(`${issues}\n`, `the issues shown after ${where(block)}`).toBe(following[1]?.code);
      });
      continue;
    }

    if (block.lang === "json") {
      it(`${title} parses`, () => {
        expect(() => JSON.parse(block.code), where(block)).not.toThrow();
      });
      continue;
    }

    if (block.lang === "hcl") {
      it(`${title} is a policy OpenBao accepts`, async () => {
        if (!openBao) throw new Error("OpenBao did not start");
        const written = await openBao.api("PUT", `sys/policies/acl/${block.id.toLowerCase()}`, {
          policy: block.code,
        });
        expect(written.status, where(block)).toBe(204);
      });
      continue;
    }

    if (block.lang === "dockerfile") {
      it(`${title} has only Dockerfile instructions`, () => {
        const lines = block.code.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
        expect(
          lines.filter((l) => !DOCKERFILE_INSTRUCTIONS.test(l.trim())),
          where(block),
        ).toEqual([]);
        expect(lines[0], `${where(block)} starts with FROM`).toMatch(/^FROM\s+\S+/i);
      });
    }
  }
});

describe("packed packages", () => {
  it("every source map points only at files the tarball carries", async () => {
    const missing: string[] = [];
    let maps = 0;
    for (const name of PUBLISHED.keys()) {
      const dist = path.join(sandbox, "node_modules", name, "dist");
      for (const file of (await fs.readdir(dist)).filter((f) => f.endsWith(".map"))) {
        maps++;
        const map = JSON.parse(await fs.readFile(path.join(dist, file), "utf8")) as { sources: string[] };
        for (const source of map.sources) {
          const target = path.resolve(dist, source);
          if (!target.startsWith(path.join(sandbox, "node_modules", name) + path.sep)) {
            missing.push(`${name}/dist/${file}: ${source} is outside the package`);
          } else if (!(await fs.stat(target).catch(() => undefined))) {
            missing.push(`${name}/dist/${file}: ${source} is not in the tarball`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
    expect(maps).toBeGreaterThanOrEqual(PUBLISHED.size);
  });
});

describe("README install lines", () => {
  for (const readme of READMES) {
    const blocks = BLOCKS.filter((b) => b.readme === readme);
    const imported = new Set(
      blocks
        .filter((b) => TS_LANGS.has(b.lang) && b.mode !== "skip")
        .flatMap((b) => [...importedPackages(b.code)]),
    );
    if (imported.size === 0) continue;
    it(`${readme}: its npm install lines cover what its code imports, and their peers`, () => {
      const installed = installedByReadme(blocks);
      // A package's README imports the package itself and its install line names it.
      expect(
        [...imported].filter((name) => !installed.has(name)),
        `${readme}: imported but not installed`,
      ).toEqual([]);
      const peers: string[] = [];
      for (const name of installed) {
        const manifest = PUBLISHED.get(name)?.manifest;
        for (const peer of Object.keys(
          (manifest?.peerDependencies as Record<string, string> | undefined) ?? {},
        )) {
          if (!installed.has(peer)) peers.push(`${name} needs ${peer}`);
        }
      }
      expect(peers, `${readme}: peers missing from the install lines`).toEqual([]);
    });
  }
});
