import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync } from "node:zlib";
import { loadedModulesRecorder, motoEnv, type RunningServer, startMoto } from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * Which parts of the bundle a run compiles, from V8's own record of every
 * script (NODE_V8_COVERAGE): the start script, plus `secrets.cjs#NAME` for
 * each section it had to unpack (`main`: the CLI itself). Counts, not milliseconds.
 */

const bundle = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
let dir: string;

beforeAll(() => {
  expect(existsSync(bundle), "build apps/cli first").toBe(true);
  dir = mkdtempSync(path.join(tmpdir(), "secrets-sections-"));
  copyFileSync(bundle, path.join(dir, "secrets.cjs"));
  expect(secrets(["init"]).code).toBe(0);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function secrets(args: string[], env: Record<string, string> = {}) {
  const coverage = mkdtempSync(path.join(tmpdir(), "secrets-coverage-"));
  try {
    const result = spawnSync(process.execPath, ["secrets.cjs", ...args], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...env,
        NODE_V8_COVERAGE: coverage,
      },
      encoding: "utf8",
      timeout: 60_000,
    });
    const scripts: string[] = [];
    for (const name of readdirSync(coverage))
      for (const script of JSON.parse(readFileSync(path.join(coverage, name), "utf8")).result as {
        url: string;
      }[])
        if (script.url.includes("secrets.cjs"))
          scripts.push(decodeURIComponent(script.url).replace(/^.*secrets\.cjs/, "secrets.cjs"));
    return { code: result.status, stderr: result.stderr, scripts: scripts.sort() };
  } finally {
    rmSync(coverage, { recursive: true, force: true });
  }
}

/** The bundle run with a preload that writes down, at exit, every built-in module the run loaded. */
function builtIns(args: string[], env: Record<string, string> = {}) {
  const recorder = loadedModulesRecorder(dir);
  const run = spawnSync(process.execPath, ["-r", recorder.preload, "secrets.cjs", ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    encoding: "utf8",
  });
  return {
    code: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    modules: recorder.read(),
  };
}

describe("the bundle's sections", () => {
  it("--version compiles the start script alone", () => {
    const run = secrets(["--version"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.scripts).toEqual(["secrets.cjs"]);
  });

  it("get and health on the env provider compile the CLI's section, and nothing else", () => {
    for (const args of [["get", "SECRET_KEY"], ["health"], ["list", "--json"]]) {
      const run = secrets(args);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
      expect(run.scripts, args.join(" ")).toEqual(["secrets.cjs", "secrets.cjs#main"]);
    }
  });

  it("get and health load none of Node's crypto, performance-timing, zlib, stdin or fs/promises modules, nor https for an http Vault; --version not even vm", () => {
    for (const args of [["get", "SECRET_KEY"], ["health"]]) {
      const { code, stderr, modules } = builtIns(args);
      expect(code, `${args.join(" ")}: ${stderr}`).toBe(0);
      expect(modules, args.join(" ")).toContain("NativeModule vm");
      expect(
        modules.filter((m) =>
          /^NativeModule (crypto|perf_hooks|zlib|internal\/fs\/promises|internal\/fs\/streams)$/.test(m),
        ),
        args.join(" "),
      ).toEqual([]);
    }
    // --version loads none of the section loader's modules: Node's module, vm and os.
    const version = builtIns(["--version"]);
    expect(version.code, version.stderr).toBe(0);
    expect(version.modules.filter((m) => /^NativeModule (module|vm|os|zlib)$/.test(m))).toEqual([]);
    // The Vault provider on an http:// address loads Node's http, but not https (tls, crypto) nor fs.promises.
    const vault = builtIns(["health"], {
      SECRET_PROVIDER: "vault",
      VAULT_URL: "http://127.0.0.1:1",
      VAULT_TOKEN: "unused-token",
      VAULT_MAX_RETRIES: "0",
    });
    expect(vault.code, vault.stderr).toBe(1);
    expect(vault.modules).toContain("NativeModule http");
    expect(
      vault.modules.filter((m) => /^NativeModule (https|tls|crypto|internal\/fs\/promises)$/.test(m)),
    ).toEqual([]);
  });

  it("help and a usage error unpack the full parser, and nothing else", () => {
    expect(secrets(["--help"]).scripts).toEqual(["secrets.cjs", "secrets.cjs#main", "secrets.cjs#yargs"]);
    const bad = secrets(["get"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      "Error: Missing argument: usage is secrets get <name> (run 'secrets get --help' for usage)\n",
    );
    expect(bad.scripts).toEqual(["secrets.cjs", "secrets.cjs#main", "secrets.cjs#yargs"]);
  });

  it("every section is ASCII text, which the loader decodes byte for byte; the CLI's and Vault's are plain, the others packed", () => {
    const text = readFileSync(path.join(dir, "secrets.cjs"), "latin1");
    const names: string[] = [];
    for (const match of text.matchAll(/\/\*@(text|section) (\w+) ([\s\S]*?)\*\/\n/g)) {
      const [, kind, name, body] = match as unknown as [string, string, string, string];
      names.push(`${kind} ${name}`);
      // A plain-text section starts with its escape character, a control character put into each `*/` of its code.
      if (kind === "text") expect(body.charCodeAt(0), name).toBeLessThan(0x20);
      const source =
        kind === "text"
          ? Buffer.from(body.slice(1).replaceAll(body.charAt(0), ""), "latin1")
          : brotliDecompressSync(Buffer.from(body, "base64"));
      expect(
        source.every((byte) => byte < 0x80),
        name,
      ).toBe(true);
      if (kind === "section") expect(body, name).toMatch(/^[A-Za-z0-9+/=]+$/);
    }
    expect(names).toEqual(["text main", "text vault", "section aws", "section yargs", "section yaml"]);
  });

  it("the Vault section carries node-vault without its command table, mustache or tv4, which the provider stands in for", () => {
    const text = readFileSync(path.join(dir, "secrets.cjs"), "latin1");
    const match = /\/\*@text vault ([\s\S]*?)\*\/\n/.exec(text);
    expect(match).not.toBeNull();
    const body = (match as RegExpExecArray)[1] as string;
    const code = body.slice(1).replaceAll(body.charAt(0), "");
    // node-vault itself is there (its token renewal), and the provider's stand-ins.
    expect(code).toContain("tokenLookupSelf");
    expect(code).toContain("node-vault's command methods are not built");
    // The command table's paths, tv4's error codes and mustache's name are not.
    for (const marker of ["{{mount_point}}", "approleLogin", "ENUM_MISMATCH", "mustache.js"])
      expect(code, marker).not.toContain(marker);
  });

  it("a bundle changed after the build still finds its sections, by their markers", () => {
    // Bytes appended move every section away from where the start script's index puts it.
    const changed = path.join(dir, "changed.cjs");
    writeFileSync(
      changed,
      `${readFileSync(path.join(dir, "secrets.cjs"), "latin1")}\n// appended\n`,
      "latin1",
    );
    const run = spawnSync(process.execPath, [changed, "get", "SECRET_KEY"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, NODE_DISABLE_COMPILE_CACHE: "1" },
      encoding: "utf8",
    });
    expect([run.status, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toMatch(/^[0-9a-f]{64}$/);
  });

  it("each provider unpacks its own section only", () => {
    const vault = secrets(["health"], { SECRET_PROVIDER: "vault" });
    expect(vault.code).toBe(2);
    expect(vault.stderr).toMatch(/^Error: Secret provider 'vault' not configured: /);
    expect(vault.scripts).toEqual(["secrets.cjs", "secrets.cjs#main", "secrets.cjs#vault"]);
    const aws = secrets(["health"], { SECRET_PROVIDER: "aws" });
    expect(aws.code).toBe(2);
    expect(aws.stderr).toMatch(/^Error: Secret provider 'aws' not configured: /);
    expect(aws.scripts).toEqual(["secrets.cjs", "secrets.cjs#aws", "secrets.cjs#main"]);
  });

  it("a provider's section runs: it loads what it imports on demand and reaches for its backend", () => {
    // Nothing listens on port 1: the provider loads, connects, and fails as unavailable (exit 1),
    // not as a provider that could not be loaded (exit 2).
    const vault = secrets(["get", "A"], {
      SECRET_PROVIDER: "vault",
      VAULT_URL: "http://127.0.0.1:1",
      VAULT_TOKEN: "t",
      SECRET_TIMEOUT: "5",
    });
    expect(vault.stderr).not.toMatch(/not a valid provider|Warning/);
    expect(vault.code, vault.stderr).toBe(1);
    const aws = secrets(["get", "A"], {
      SECRET_PROVIDER: "aws",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "k",
      AWS_SECRET_ACCESS_KEY: "s",
      AWS_ENDPOINT_URL: "http://127.0.0.1:1",
      AWS_MAX_ATTEMPTS: "1",
      SECRET_TIMEOUT: "5",
    });
    expect(aws.stderr).not.toMatch(/not a valid provider|Warning/);
    expect(aws.code, aws.stderr).toBe(1);
  });

  it("a project manifest unpacks the YAML parser", () => {
    const manifest = path.join(mkdtempSync(path.join(dir, "project-")), "secrets.yaml");
    writeFileSync(manifest, "version: 1\nsecrets:\n  SECRET_KEY: { generate: { kind: hex, length: 64 } }\n");
    const run = secrets(["health", "--manifest", manifest]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.scripts).toEqual(["secrets.cjs", "secrets.cjs#main", "secrets.cjs#yaml"]);
  });
});

describe("the AWS section against moto", () => {
  let moto: RunningServer;
  beforeAll(async () => {
    moto = await startMoto();
  }, 120_000);
  afterAll(async () => {
    await moto?.stop();
  });

  it("reads a secret without loading http2, which the SDK's HTTP handler asks for as it loads but a read does not use", () => {
    const env = { ...motoEnv(moto.url), SECRET_PROVIDER: "aws", SECRET_AWS_PREFIX: "deferred/" };
    const set = spawnSync(process.execPath, ["secrets.cjs", "set", "BUILTINS"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
      input: "read-over-http-1.1",
      encoding: "utf8",
    });
    expect([set.status, set.stderr]).toEqual([0, ""]);
    expect(builtIns(["get", "BUILTINS"], env).code).toBe(0);
    const aws = builtIns(["get", "BUILTINS"], env);
    expect([aws.code, aws.stderr, aws.stdout]).toEqual([0, "", "read-over-http-1.1"]);
    // The SDK loaded and made its request over Node's http, signed (crypto).
    expect(aws.modules).toContain("NativeModule http");
    expect(aws.modules).toContain("NativeModule crypto");
    // (zlib is loaded: the ES build of @smithy/core that the section carries imports it as a namespace.)
    expect(aws.modules.filter((m) => /^NativeModule http2$/.test(m))).toEqual([]);
  });
});

describe("the sections' code cache", () => {
  // A provider's section loads without settings (exit 2, not configured): enough to compile it.
  const awsHealth = (env: Record<string, string>) => secrets(["health"], { SECRET_PROVIDER: "aws", ...env });

  function cacheHome() {
    const home = mkdtempSync(path.join(dir, "cache-"));
    return { home, codeCache: path.join(home, "secrets-cli", "code-cache") };
  }

  it("is written once, private to the user, and used as it is by the next run", () => {
    const { home, codeCache } = cacheHome();
    const first = awsHealth({ XDG_CACHE_HOME: home });
    expect(first.code, first.stderr).toBe(2);
    // The CLI's own section and the AWS provider's.
    const files = readdirSync(codeCache).filter((name) => name.startsWith("aws-"));
    expect(readdirSync(codeCache)).toEqual([
      expect.stringMatching(/^aws-/),
      expect.stringMatching(/^main\.health-/),
    ]);
    expect(files).toEqual([
      expect.stringMatching(new RegExp(`^aws-packed-[0-9a-f]+-${process.version}-${process.arch}\\.bin$`)),
    ]);
    const file = path.join(codeCache, files[0] as string);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(codeCache).mode & 0o777).toBe(0o700);

    // V8 accepts the cached code: the next run neither rejects nor rewrites it.
    const old = new Date("2020-01-01T00:00:00Z");
    utimesSync(file, old, old);
    const second = awsHealth({ XDG_CACHE_HOME: home });
    expect([second.code, second.stderr]).toEqual([first.code, first.stderr]);
    expect(statSync(file).mtime).toEqual(old);
    expect(readdirSync(codeCache).filter((name) => name.startsWith("aws-"))).toEqual(files);
  });

  it("get keeps a cache of the CLI's section apart from the one other commands write", () => {
    const { home, codeCache } = cacheHome();
    for (const args of [["init"], ["get", "SECRET_KEY"], ["rotate", "--help"]])
      expect(secrets(args, { XDG_CACHE_HOME: home }).code, args.join(" ")).toBe(0);
    // init and rotate share one; get has its own, holding only what get compiled.
    expect(readdirSync(codeCache).filter((name) => name.startsWith("main"))).toEqual([
      expect.stringMatching(/^main-/),
      expect.stringMatching(/^main\.get-/),
    ]);
  });

  it("a damaged cache is rejected by V8, the section compiles from source, and the cache is rewritten", () => {
    const { home, codeCache } = cacheHome();
    const first = awsHealth({ XDG_CACHE_HOME: home });
    const [name] = readdirSync(codeCache).filter((file) => file.startsWith("aws-"));
    const file = path.join(codeCache, name as string);
    const garbage = Buffer.alloc(statSync(file).size, 0x5a);
    writeFileSync(file, garbage);
    const again = awsHealth({ XDG_CACHE_HOME: home });
    expect([again.code, again.stderr]).toEqual([first.code, first.stderr]);
    expect(readFileSync(file).equals(garbage)).toBe(false);
    expect(readdirSync(codeCache).filter((file) => file.startsWith("aws-"))).toEqual([name]);
  });

  it("a cache file too large to be one, or a FIFO in its place, is ignored without hanging and replaced", () => {
    const { home, codeCache } = cacheHome();
    const first = awsHealth({ XDG_CACHE_HOME: home });
    const [name] = readdirSync(codeCache).filter((file) => file.startsWith("aws-"));
    const file = path.join(codeCache, name as string);
    truncateSync(file, 65 * 1024 * 1024);
    const large = awsHealth({ XDG_CACHE_HOME: home });
    expect([large.code, large.stderr]).toEqual([first.code, first.stderr]);
    expect(statSync(file).size).toBeLessThan(8 * 1024 * 1024);
    rmSync(file);
    expect(spawnSync("mkfifo", [file]).status).toBe(0);
    const fifo = awsHealth({ XDG_CACHE_HOME: home });
    expect([fifo.code, fifo.stderr]).toEqual([first.code, first.stderr]);
    expect(statSync(file).isFile()).toBe(true);
  });

  it("the CLI's plain-text section is cached with a copy of its code, and a cache made for other code is not used", () => {
    const { home, codeCache } = cacheHome();
    const first = secrets(["get", "SECRET_KEY"], { XDG_CACHE_HOME: home });
    expect(first.code, first.stderr).toBe(0);
    const [name] = readdirSync(codeCache);
    expect(name).toMatch(new RegExp(`^main\\.get-text-[0-9a-f]+-${process.version}-${process.arch}\\.bin$`));
    const file = path.join(codeCache, name as string);
    const cached = readFileSync(file);
    const length = cached.readUInt32LE(0);
    const bundleText = readFileSync(path.join(dir, "secrets.cjs"), "latin1");
    const escapeChar = bundleText.charAt(bundleText.indexOf("/*@text main ") + "/*@text main ".length);
    const code = cached.toString("latin1", 4, 4 + length);
    expect(code).not.toContain(escapeChar);
    expect(bundleText).toContain(`/*@text main ${escapeChar}${code.replaceAll("*/", `*${escapeChar}/`)}*/\n`);

    // Same length, one character changed: V8 alone would accept it (it checks only the length).
    const other = Buffer.from(cached);
    const at = other.indexOf("SECRET_PROVIDER", 4, "latin1");
    expect(at).toBeGreaterThan(4);
    expect(at).toBeLessThan(4 + length);
    other[at] = "s".charCodeAt(0);
    writeFileSync(file, other);
    const old = new Date("2020-01-01T00:00:00Z");
    utimesSync(file, old, old);
    const again = secrets(["get", "SECRET_KEY"], { XDG_CACHE_HOME: home });
    expect([again.code, again.stderr]).toEqual([0, ""]);
    expect(statSync(file).mtime).not.toEqual(old);
    expect(readFileSync(file).equals(other)).toBe(false);
    expect(readFileSync(file).toString("latin1", 4, 4 + length)).toBe(
      cached.toString("latin1", 4, 4 + length),
    );
  });

  it("a packed section's cache carries its unpacked code: the next run loads no zlib, and a cache made for other packed bytes is not used", () => {
    const { home, codeCache } = cacheHome();
    const manifest = path.join(mkdtempSync(path.join(dir, "project-")), "secrets.yaml");
    writeFileSync(manifest, "version: 1\nsecrets:\n  SECRET_KEY: { generate: { kind: hex, length: 64 } }\n");
    /** Whether `health` with the project's manifest loaded zlib. */
    const health = () => {
      const run = builtIns(["health", "--manifest", manifest], { XDG_CACHE_HOME: home });
      expect(run.code, run.stderr).toBe(0);
      return run.modules.includes("NativeModule zlib");
    };
    expect(health()).toBe(true);
    const [name] = readdirSync(codeCache).filter((n) => n.startsWith("yaml-"));
    expect(name).toMatch(new RegExp(`^yaml-packed-[0-9a-f]+-${process.version}-${process.arch}\\.bin$`));
    const file = path.join(codeCache, name as string);
    const cached = readFileSync(file);
    // [packed length][packed bytes, as the bundle holds them][code length][code][V8's data]
    const packedLength = cached.readUInt32LE(0);
    const packed = cached.subarray(4, 4 + packedLength);
    const bundleText = readFileSync(path.join(dir, "secrets.cjs"), "latin1");
    expect(bundleText).toContain(`/*@section yaml ${packed.toString("base64")}*/\n`);
    const codeLength = cached.readUInt32LE(4 + packedLength);
    const code = cached.toString("latin1", 8 + packedLength, 8 + packedLength + codeLength);
    expect(code).toBe(brotliDecompressSync(packed).toString("latin1"));

    // Warm: the code comes from the cache, and nothing is unpacked.
    expect(health()).toBe(false);

    // Same length, one packed byte changed: not this section, so unpacked from the bundle and rewritten.
    const other = Buffer.from(cached);
    const flipped = 4 + Math.floor(packedLength / 2);
    other[flipped] = (other[flipped] as number) ^ 1;
    writeFileSync(file, other);
    expect(health()).toBe(true);
    expect(
      readFileSync(file)
        .subarray(0, 4 + packedLength)
        .equals(cached.subarray(0, 4 + packedLength)),
    ).toBe(true);
    expect(health()).toBe(false);
  });

  it("is not used from a directory others can write to, nor with NODE_DISABLE_COMPILE_CACHE=1", () => {
    const open = cacheHome();
    const first = awsHealth({ XDG_CACHE_HOME: open.home });
    expect(first.code).toBe(2);
    for (const name of readdirSync(open.codeCache)) rmSync(path.join(open.codeCache, name));
    chmodSync(open.codeCache, 0o777);
    expect(awsHealth({ XDG_CACHE_HOME: open.home }).code).toBe(2);
    expect(readdirSync(open.codeCache)).toEqual([]);

    const disabled = cacheHome();
    expect(awsHealth({ XDG_CACHE_HOME: disabled.home, NODE_DISABLE_COMPILE_CACHE: "1" }).code).toBe(2);
    expect(existsSync(path.join(disabled.home, "secrets-cli"))).toBe(false);
  });
});
