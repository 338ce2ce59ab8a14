import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  promises as fsp,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, SecretManager } from "@org/secrets-core";
import {
  capabilitiesOf,
  fileCalls,
  InvalidSecretNameError,
  InvalidSecretValueError,
  NotSupportedError,
  SecretConfigError,
  SecretConflictError,
  SecretError,
  valueVersion,
  withFileLock,
} from "@org/secrets-core/provider";
import { hostileValues } from "@org/secrets-provider-testkit";
import { parse as dotenvParse } from "dotenv";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createEnvProvider, createProvider, EnvProvider } from "../src/index.js";

const root = mkdtempSync(path.join(tmpdir(), "provider-env-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

const fixed = new Date("2026-11-29T01:36:00.000Z");
const now = () => fixed;

function freshDir(): string {
  return mkdtempSync(path.join(root, "case-"));
}

function setup(content?: string, env: Record<string, string | undefined> = {}) {
  const dir = freshDir();
  const file = path.join(dir, ".env");
  if (content !== undefined) writeFileSync(file, content, { mode: 0o600 });
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", write: (line) => lines.push(line) });
  const provider = createEnvProvider({ path: file, env, logger, now });
  return { dir, file, provider, env, lines, read: () => readFileSync(file, "utf8") };
}

async function failure(promise: Promise<unknown>): Promise<SecretError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(SecretError);
  return outcome as SecretError;
}

const extraValues: ReadonlyArray<readonly [string, string]> = [
  ["empty", ""],
  ["double trailing backslash", "end\\\\"],
  ["backslash-r as two characters", "a\\rb"],
  ["line and paragraph separators", "a\u2028b\u2029c"],
  ["a byte order mark and zero-width space", "\ufeffa\u200bb"],
  ["NUL", "a\u0000b"],
  ["export-like", "export X=1"],
  ["comment-like line in a multi-line value", "first\n# not a comment\nA=not an assignment"],
];

describe("hostile values", () => {
  const cases = [...hostileValues.map((h) => [h.label, h.value] as const), ...extraValues];

  it.each(cases)(
    "%s round-trips through the provider and through dotenv.parse of the file",
    async (_label, value) => {
      const { provider, file, read } = setup("# header\nOTHER=untouched\n");
      await provider.set("HOSTILE", value);
      expect((await provider.get("HOSTILE"))?.value).toBe(value);
      expect(dotenvParse(read()).HOSTILE).toBe(value);
      expect(dotenvParse(read(), { fast: true }).HOSTILE).toBe(value);
      expect(dotenvParse(read()).OTHER).toBe("untouched");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // A second provider (a fresh process, as far as caching goes) reads the same.
      expect((await createEnvProvider({ path: file, env: {} }).get("HOSTILE"))?.value).toBe(value);
    },
  );

  it("an unrepresentable value is refused with InvalidSecretValueError and the file is untouched", async () => {
    const original = "# keep\nA=1\n";
    const { provider, dir, file, read } = setup(original);
    const before = statSync(file, { bigint: true }).mtimeNs;
    const value = ` '"\`SENSITIVE`;
    const error = await failure(provider.set("BAD", value));
    expect(error).toBeInstanceOf(InvalidSecretValueError);
    expect(error.code).toBe("INVALID_VALUE");
    expect(error.message).not.toContain("SENSITIVE");
    expect(read()).toBe(original);
    expect(statSync(file, { bigint: true }).mtimeNs).toBe(before);
    expect(readdirSync(dir)).toEqual([".env"]);
  });
});

describe("codec errors reach callers as core's classes", () => {
  it("a key dotenv cannot hold is refused with InvalidSecretNameError", async () => {
    const { provider, file } = setup();
    for (const name of ["__proto__", "has space"]) {
      const error = await failure(provider.set(name, "v"));
      expect(error).toBeInstanceOf(InvalidSecretNameError);
      expect(error.code).toBe("INVALID_NAME");
      expect(error.message).toContain(name);
    }
    expect(existsSync(file)).toBe(false);
  });

  it("an edit that would change other entries of a damaged file is refused with SecretConfigError", async () => {
    // X's unterminated quote would swallow any appended line that ends in a single quote.
    const original = "X='open\n";
    const { provider, read } = setup(original);
    const error = await failure(provider.set("A", `x"\`'`));
    expect(error).toBeInstanceOf(SecretConfigError);
    expect(error.code).toBe("INVALID_CONFIG");
    expect(read()).toBe(original);
  });
});

describe("editing the file", () => {
  const original = [
    "# Application settings",
    "",
    "export APP_NAME=demo # the app",
    "DATABASE_URL='postgres://db/app'",
    "",
    "  # indented note",
    "API_KEY=abc123",
    'MULTI="one',
    'two"',
    "TAIL=last",
    "",
  ].join("\n");

  it("replaces a value in place, adds its metadata comment, and keeps every other byte", async () => {
    const { provider, read } = setup(original);
    await provider.set("API_KEY", "rotated value");
    expect(read()).toBe(
      original.replace(
        "API_KEY=abc123",
        "# secrets: updated=2026-11-29T01:36:00.000Z\nAPI_KEY=rotated value",
      ),
    );
  });

  it("appends a new name at the end and deletes one with its metadata comment", async () => {
    const { provider, read } = setup(original);
    await provider.set("NEW_SECRET", "n3w", { metadata: { rotatedAt: "2026-11-29T01:36:00.000Z" } });
    expect(read()).toBe(
      `${original}# secrets: updated=2026-11-29T01:36:00.000Z rotatedAt=2026-11-29T01:36:00.000Z\nNEW_SECRET=n3w\n`,
    );
    expect(await provider.delete("NEW_SECRET")).toBe(true);
    expect(read()).toBe(original);
    expect(await provider.delete("MULTI")).toBe(true);
    expect(read()).toBe(original.replace('MULTI="one\ntwo"\n', ""));
    expect(await provider.delete("MULTI")).toBe(false);
  });

  it("keeps the metadata comment through unrelated edits", async () => {
    const { provider, read } = setup(original);
    await provider.set("DATABASE_URL", "postgres://new/app", {
      metadata: { rotatedAt: "2026-01-01T00:00:00Z" },
    });
    const afterFirst = read();
    await provider.set("API_KEY", "other");
    await provider.delete("TAIL");
    await provider.set("ADDED", "x");
    expect(read()).toContain(
      "# secrets: updated=2026-11-29T01:36:00.000Z rotatedAt=2026-01-01T00:00:00Z\nDATABASE_URL=postgres://new/app\n",
    );
    expect(afterFirst.split("\n").slice(0, 4)).toEqual(read().split("\n").slice(0, 4));
    const record = await provider.get("DATABASE_URL");
    expect(record?.metadata).toEqual({ rotatedAt: "2026-01-01T00:00:00Z" });
    expect(record?.updatedAt).toEqual(fixed);
  });

  it("keeps custom metadata when a write passes none, and replaces it when a write passes some", async () => {
    const { provider } = setup();
    await provider.set("S", "1", { metadata: { rotatedAt: "2026-01-01T00:00:00Z", owner: "ops" } });
    await provider.set("S", "2");
    expect((await provider.get("S"))?.metadata).toEqual({ rotatedAt: "2026-01-01T00:00:00Z", owner: "ops" });
    await provider.set("S", "3", { metadata: { rotatedAt: "2026-02-01T00:00:00Z" } });
    expect((await provider.get("S"))?.metadata).toEqual({ rotatedAt: "2026-02-01T00:00:00Z" });
  });

  it("refuses metadata that would not be a safe comment, leaving the file untouched", async () => {
    const { provider, read } = setup("A=1\n");
    for (const metadata of [
      { note: "two words" },
      { note: "line\nbreak" },
      { "bad key": "x" },
      { updated: "x" },
      { note: "" },
    ]) {
      await expect(provider.set("A", "2", { metadata })).rejects.toBeInstanceOf(InvalidSecretValueError);
    }
    expect(read()).toBe("A=1\n");
  });

  it("preserves CRLF line endings", async () => {
    const crlf = original.replace(/\n/g, "\r\n");
    const { provider, read } = setup(crlf);
    await provider.set("API_KEY", "k");
    await provider.delete("TAIL");
    expect(read()).toBe(
      crlf
        .replace("API_KEY=abc123", "# secrets: updated=2026-11-29T01:36:00.000Z\r\nAPI_KEY=k")
        .replace("TAIL=last\r\n", ""),
    );
  });

  it("breaks its lines with lone carriage returns in a file that does", async () => {
    const { provider, read } = setup("# old Mac\rA=1\rB=2");
    await provider.set("A", "x");
    await provider.setMany([
      { name: "C", value: "3" },
      { name: "D", value: "4" },
    ]);
    expect(read()).not.toContain("\n");
    expect(read()).toBe(
      "# old Mac\r# secrets: updated=2026-11-29T01:36:00.000Z\rA=x\rB=2\r# secrets: updated=2026-11-29T01:36:00.000Z\rC=3\r# secrets: updated=2026-11-29T01:36:00.000Z\rD=4\r",
    );
    expect(dotenvParse(read())).toEqual({ A: "x", B: "2", C: "3", D: "4" });
  });

  it("writes through a symbolic link, keeping the link", async () => {
    const { dir } = setup();
    const target = path.join(dir, "real.env");
    writeFileSync(target, "A=1\n", { mode: 0o600 });
    const link = path.join(dir, "link.env");
    symlinkSync(target, link);
    const provider = createEnvProvider({ path: link, env: {}, now });
    await provider.set("B", "2");
    expect(readFileSync(target, "utf8")).toBe("A=1\n# secrets: updated=2026-11-29T01:36:00.000Z\nB=2\n");
    expect(readFileSync(link, "utf8")).toBe(readFileSync(target, "utf8"));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["link.env", "real.env"]);
  });

  it("writes through a dangling symbolic link: creates the file it names (mode 0600), keeping the link", async () => {
    const { dir } = setup();
    mkdirSync(path.join(dir, "shared"));
    const link = path.join(dir, "link.env");
    symlinkSync("shared/real.env", link);
    const provider = createEnvProvider({ path: link, env: {}, now });
    await provider.set("B", "2");
    const target = path.join(dir, "shared", "real.env");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("shared/real.env");
    expect(readFileSync(target, "utf8")).toBe("# secrets: updated=2026-11-29T01:36:00.000Z\nB=2\n");
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect((await provider.get("B"))?.value).toBe("2");
    expect(readdirSync(path.join(dir, "shared"))).toEqual(["real.env"]);
  });

  it("a dangling symbolic link is locked where its target will be, as every later writer locks it", async () => {
    const { dir } = setup();
    mkdirSync(path.join(dir, "shared"));
    const link = path.join(dir, "link.env");
    symlinkSync("shared/real.env", link);
    const provider = createEnvProvider({ path: link, env: {}, now, lock: { timeoutMs: 200 } });
    const error = await withFileLock(path.join(dir, "shared", "real.env"), () =>
      failure(provider.set("B", "2")),
    );
    expect(error.code).toBe("TIMEOUT");
    expect(existsSync(path.join(dir, "shared", "real.env"))).toBe(false);
  });

  it("a dangling symbolic link into a directory that does not exist: one line, the link untouched", async () => {
    const { dir } = setup();
    const link = path.join(dir, "link.env");
    symlinkSync("missing/real.env", link);
    const provider = createEnvProvider({ path: link, env: {}, now });
    const error = await failure(provider.set("B", "2"));
    expect(error.code).toBe("PROVIDER_UNAVAILABLE");
    expect(error.message).toBe(
      `Cannot lock ${path.join(dir, "missing", "real.env")}: its directory does not exist`,
    );
    expect(readlinkSync(link)).toBe("missing/real.env");
    expect(readdirSync(dir).sort()).toEqual(["link.env"]);
  });

  it("a write as root keeps the owner and group of the file (mode 0600)", async () => {
    const { provider, file } = setup("A=1\n");
    chownSync(file, 1000, 1000);
    await provider.set("B", "2");
    const stats = statSync(file);
    expect([stats.uid, stats.gid]).toEqual([1000, 1000]);
    expect(stats.mode & 0o777).toBe(0o600);
  });

  it("refuses to rewrite a file that is not valid UTF-8, but still reads it", async () => {
    const { provider, file } = setup();
    const bytes = Buffer.concat([Buffer.from("A=1\nLATIN=caf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    writeFileSync(file, bytes, { mode: 0o600 });
    expect((await provider.get("A"))?.value).toBe("1");
    const error = await failure(provider.set("B", "2"));
    expect(error.message).toContain(file);
    expect(error.message).toContain("UTF-8");
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it("a write that fails at the rename leaves the original file, no temporary file and no lock", async () => {
    const original = "# precious\nA=1\n";
    const { provider, dir, file, read } = setup(original);
    vi.spyOn(fsp, "rename").mockRejectedValueOnce(
      Object.assign(new Error("EIO: i/o error"), { code: "EIO" }),
    );
    const error = await failure(provider.set("B", "new"));
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.message).toContain(file);
    expect(error.message).not.toContain("new");
    expect(read()).toBe(original);
    expect(readdirSync(dir)).toEqual([".env"]);
    // And the next write works.
    await provider.set("B", "new");
    expect(dotenvParse(read())).toEqual({ A: "1", B: "new" });
  });
});

describe("a program that writes the file without the lock (an editor)", () => {
  const statBigInt = fileCalls.statBigInt.bind(fileCalls);
  /** Each of the next `times` checks before a rename first finds the file rewritten as `edits` gives it. */
  function editorWritesBeforeCheck(file: string, times: number, edit: (n: number) => string): () => number {
    let edits = 0;
    vi.spyOn(fileCalls, "statBigInt").mockImplementation(async (target, ...rest) => {
      if (target === file && edits < times) {
        edits++;
        // As editors save: a new file renamed over the old one.
        writeFileSync(`${file}.editor`, edit(edits), { mode: 0o600 });
        renameSync(`${file}.editor`, file);
      }
      return statBigInt(target, ...rest);
    });
    return () => edits;
  }

  it("keeps the editor's change when it lands while a write is in progress: the edit is made again on it", async () => {
    const { provider, dir, file, read } = setup("# mine\nA=1\n");
    const edits = editorWritesBeforeCheck(file, 1, () => "# mine\nA=1\nEDITOR=added\n");
    await provider.set("B", "2");
    expect(edits()).toBe(1);
    expect(dotenvParse(read())).toEqual({ A: "1", EDITOR: "added", B: "2" });
    expect(read().startsWith("# mine\nA=1\nEDITOR=added\n")).toBe(true);
    expect(readdirSync(dir)).toEqual([".env"]);
    // Deleting too.
    editorWritesBeforeCheck(file, 1, () => `${read()}LATER=x\n`);
    expect(await provider.delete("A")).toBe(true);
    expect(dotenvParse(read())).toEqual({ EDITOR: "added", B: "2", LATER: "x" });
  });

  it("fails with CONFLICT, writing nothing, when the file changes under every attempt", async () => {
    const { provider, dir, file, read } = setup("# mine\nA=1\n");
    const edits = editorWritesBeforeCheck(file, 10, (n) => `# mine\nA=1\nEDITOR=${n}\n`);
    const error = await failure(provider.setMany([{ name: "B", value: "2" }]));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toBe(
      `Cannot write ${file}: another program changed it while it was being written, 3 times; nothing was written: try again`,
    );
    expect(edits()).toBe(3);
    expect(read()).toBe("# mine\nA=1\nEDITOR=3\n");
    expect(readdirSync(dir)).toEqual([".env"]);
  });
});

describe("reading", () => {
  it("treats a missing file as empty and does not create it", async () => {
    const { provider, file } = setup();
    expect(await provider.get("ANY")).toBeUndefined();
    expect(await provider.list()).toEqual([]);
    expect(await provider.getMany(["A", "B"])).toEqual(new Map());
    expect(await provider.delete("ANY")).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it("returns versions, updatedAt and metadata for values from the file", async () => {
    const { provider } = setup("PLAIN=hand-written\n");
    expect(await provider.get("PLAIN")).toEqual({
      value: "hand-written",
      version: valueVersion("hand-written"),
    });
    const { version } = await provider.set("S", "v", { metadata: { owner: "ops" } });
    expect(version).toBe(valueVersion("v"));
    expect(await provider.get("S")).toEqual({
      value: "v",
      version,
      updatedAt: fixed,
      metadata: { owner: "ops" },
    });
  });

  it("re-reads the file only when it changed", async () => {
    const { provider, file } = setup("A=1\n");
    // Reads go through core's file calls (the callback API), writes through fs.promises.
    const opened = vi.spyOn(fileCalls, "open");
    const reads = () => opened.mock.calls.filter(([p]) => p === file).length;
    expect((await provider.get("A"))?.value).toBe("1");
    expect((await provider.get("A"))?.value).toBe("1");
    await provider.getMany(["A"]);
    await provider.list();
    expect(reads()).toBe(1);
    // Same size, new content, written by someone else.
    writeFileSync(file, "A=2\n");
    expect((await provider.get("A"))?.value).toBe("2");
    expect(reads()).toBe(2);
    rmSync(file);
    expect(await provider.get("A")).toBeUndefined();
  });

  it("a first read opens the file without a stat of its own; later reads stat it and re-read only on change", async () => {
    const { provider, file } = setup("A=1\n");
    const opened = vi.spyOn(fileCalls, "open");
    const stated = vi.spyOn(fileCalls, "statBigInt");
    const count = (spy: typeof opened | typeof stated) => spy.mock.calls.filter(([p]) => p === file).length;
    expect((await provider.get("A"))?.value).toBe("1");
    expect([count(opened), count(stated)]).toEqual([1, 0]);
    expect((await provider.get("A"))?.value).toBe("1");
    expect([count(opened), count(stated)]).toEqual([1, 1]);
    // Replaced by another file of the same size: a new identity, read again.
    const other = `${file}.next`;
    writeFileSync(other, "A=3\n");
    renameSync(other, file);
    expect((await provider.get("A"))?.value).toBe("3");
    expect([count(opened), count(stated)]).toEqual([2, 2]);
    // A write forgets the cache: the next read is a first read again.
    await provider.set("B", "2");
    const [openedBefore, statedBefore] = [count(opened), count(stated)];
    expect((await provider.get("B"))?.value).toBe("2");
    expect([count(opened) - openedBefore, count(stated) - statedBefore]).toEqual([1, 0]);
  });

  it("getMany reads the file once for many names", async () => {
    const { provider, file } = setup("A=1\nB=2\nC=3\n");
    const opened = vi.spyOn(fileCalls, "open");
    const found = await provider.getMany(["A", "C", "MISSING"]);
    expect(Object.fromEntries([...found].map(([k, r]) => [k, r.value]))).toEqual({ A: "1", C: "3" });
    expect(opened.mock.calls.filter(([p]) => p === file)).toHaveLength(1);
  });

  it.each([
    ["a directory", (file: string) => mkdirSync(file), (file: string) => statSync(file).isDirectory()],
    [
      "a named pipe",
      (file: string) => execFileSync("mkfifo", [file]),
      (file: string) => statSync(file).isFIFO(),
    ],
  ])(
    "reports %s in place of the file as a SecretError naming the path and what it is",
    async (type, make, still) => {
      const { dir, file, provider } = setup();
      make(file);
      // One at a time: a rejection must never wait unobserved while another is awaited.
      for (const attempt of [
        () => provider.get("A"),
        () => provider.list(),
        () => provider.set("A", "1"),
        () => provider.check(),
      ]) {
        const error = await failure(attempt());
        expect(error.message).toBe(`Cannot use ${file}: it is ${type}, not a regular file`);
        expect(error.provider).toBe("env");
      }
      // Left as it was, and nothing written beside it.
      expect(still(file)).toBe(true);
      expect(readdirSync(dir)).toEqual([".env"]);
    },
  );

  it("refuses version reads, having no versions", async () => {
    const { provider } = setup("A=1\n");
    await expect(provider.get("A", { version: "previous" })).rejects.toBeInstanceOf(NotSupportedError);
  });

  it("warns once when the file can be read by other users", async () => {
    const { provider, file, lines } = setup("A=1\n");
    chmodSync(file, 0o644);
    await provider.get("A");
    await provider.get("A");
    await provider.check();
    const warnings = lines.filter((l) => l.includes("WARN"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toContain("0644");
    expect(warnings[0]).not.toContain("A=1");
    // Writing tightens the mode.
    await provider.set("A", "2");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe("the environment", () => {
  it("takes precedence over the file; values only from the environment have no metadata", async () => {
    const env = { SHARED: "from-env", ONLY_ENV: "env-only" };
    const { provider } = setup("SHARED=from-file\nONLY_FILE=file-only\n", env);
    expect(await provider.get("SHARED")).toEqual({ value: "from-env", version: valueVersion("from-env") });
    expect((await provider.get("ONLY_FILE"))?.value).toBe("file-only");
    expect(await provider.get("ONLY_ENV")).toEqual({ value: "env-only", version: valueVersion("env-only") });
    const many = await provider.getMany(["SHARED", "ONLY_ENV", "ONLY_FILE", "NONE"]);
    expect(Object.fromEntries([...many].map(([k, r]) => [k, r.value]))).toEqual({
      SHARED: "from-env",
      ONLY_ENV: "env-only",
      ONLY_FILE: "file-only",
    });
    // list() is the file's names, not the process environment.
    expect(await provider.list()).toEqual(["ONLY_FILE", "SHARED"]);
  });

  it("is updated by writes and deletes of names it holds, so this process reads what was written", async () => {
    const env: Record<string, string | undefined> = { SHARED: "old", UNRELATED: "u" };
    const { provider, read } = setup("SHARED=old\n", env);
    await provider.set("SHARED", "new");
    expect(env.SHARED).toBe("new");
    expect((await provider.get("SHARED"))?.value).toBe("new");
    expect(dotenvParse(read()).SHARED).toBe("new");
    await provider.set("FILE_ONLY", "f");
    expect("FILE_ONLY" in env).toBe(false);
    expect(await provider.delete("SHARED")).toBe(true);
    expect("SHARED" in env).toBe(false);
    expect(await provider.get("SHARED")).toBeUndefined();
    expect(env.UNRELATED).toBe("u");
  });

  it("delete reports true for a name only the environment held", async () => {
    const env: Record<string, string | undefined> = { ONLY_ENV: "x" };
    const { provider } = setup("", env);
    expect(await provider.delete("ONLY_ENV")).toBe(true);
    expect(env.ONLY_ENV).toBeUndefined();
  });

  it("with writeEnvironment off, or a frozen environment, warns that the environment still wins", async () => {
    for (const [label, env, writeEnvironment] of [
      ["off", { SHARED: "env" }, false],
      ["frozen", Object.freeze({ SHARED: "env" }), true],
    ] as const) {
      const dir = freshDir();
      const file = path.join(dir, ".env");
      const lines: string[] = [];
      const provider = createEnvProvider({
        path: file,
        env: env as Record<string, string | undefined>,
        writeEnvironment,
        logger: createLogger({ level: "warn", write: (l) => lines.push(l) }),
      });
      await provider.set("SHARED", "file-value");
      await provider.set("SHARED", "file-value-2");
      expect(dotenvParse(readFileSync(file, "utf8")).SHARED, label).toBe("file-value-2");
      expect((await provider.get("SHARED"))?.value, label).toBe("env");
      expect(lines, label).toHaveLength(1);
      expect(lines[0]).toContain("'SHARED' is set in the environment");
      expect(lines[0]).not.toContain("file-value");
    }
  });

  it("check-and-set sees the environment's value", async () => {
    const env = { SHARED: "from-env" };
    const { provider, file, read } = setup(undefined, env);
    await expect(provider.set("SHARED", "x", { ifAbsent: true })).rejects.toBeInstanceOf(SecretConflictError);
    await expect(provider.set("SHARED", "x", { ifVersion: valueVersion("other") })).rejects.toBeInstanceOf(
      SecretConflictError,
    );
    expect(existsSync(file)).toBe(false);
    await provider.set("SHARED", "x", { ifVersion: valueVersion("from-env") });
    expect(env.SHARED).toBe("x");
    expect(dotenvParse(read()).SHARED).toBe("x");
  });
});

describe("check()", () => {
  it("resolves for a missing file in an existing directory, without creating it", async () => {
    const { provider, file } = setup();
    await expect(provider.check()).resolves.toEqual({
      details: { file, exists: false, directoryWritable: true },
    });
    expect(existsSync(file)).toBe(false);
  });

  it("resolves for a readable, writable file", async () => {
    const { provider, file } = setup("A=1\n");
    await expect(provider.check()).resolves.toEqual({
      details: { file, exists: true, directoryWritable: true },
    });
  });

  it.each([
    [0o644, true],
    [0o640, true],
    [0o604, true],
    [0o660, true],
    [0o666, true],
    [0o600, false],
    [0o400, false],
  ])("a file of mode %o is reported as a warning when other users may use it: %s", async (mode, exposed) => {
    const { provider, file, lines } = setup("A=1\n");
    chmodSync(file, mode);
    const shown = mode.toString(8).padStart(4, "0");
    const status = await provider.check();
    expect(status.warnings).toEqual(
      exposed
        ? [`${file} can be read or written by other users (mode ${shown}): run chmod 600 on it`]
        : undefined,
    );
    // Reported, not logged as well; and through the manager as the check's warnings.
    expect(lines.filter((l) => l.includes("WARN"))).toEqual([]);
    const result = await new SecretManager({ provider }).checkProvider();
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual(status.warnings);
  });

  it.each([
    [0o777, true],
    [0o757, true],
    [0o1777, false],
    [0o775, false],
    [0o755, false],
  ])(
    "a directory of mode %o is reported when every user may replace the file in it: %s",
    async (mode, exposed) => {
      const { provider, dir, file } = setup("A=1\n");
      chmodSync(dir, mode);
      try {
        const shown = mode.toString(8).padStart(4, "0");
        expect((await provider.check()).warnings).toEqual(
          exposed
            ? [
                `${dir} can be written by every user (mode ${shown}), so any of them could replace ${file}: run chmod o-w on it`,
              ]
            : undefined,
        );
      } finally {
        chmodSync(dir, 0o700);
      }
    },
  );

  it("asks its four questions of the file system at once, not one after another", async () => {
    const { provider, file } = setup("A=1\n");
    // Every answer is held back until all four questions have been asked: asked in turn, they never would be.
    const asked: string[] = [];
    let release!: () => void;
    const allAsked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held =
      <A extends unknown[], R>(name: string, real: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        asked.push(`${name} ${path.basename(String(args[0]))}`);
        if (asked.length === 4) release();
        await allAsked;
        return real(...args);
      };
    const { stat, access } = fileCalls;
    vi.spyOn(fileCalls, "stat").mockImplementation(held("stat", stat));
    vi.spyOn(fileCalls, "access").mockImplementation(held("access", access));
    let timer: NodeJS.Timeout | undefined;
    const status = await Promise.race([
      provider.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`asked in turn: ${asked}`)), 2000);
      }),
    ]).finally(() => clearTimeout(timer));
    expect(status).toEqual({ details: { file, exists: true, directoryWritable: true } });
    expect(asked.sort()).toEqual(
      [
        `stat ${path.basename(path.dirname(file))}`,
        "stat .env",
        "access .env",
        `access ${path.basename(path.dirname(file))}`,
      ].sort(),
    );
  });

  it("fails with a SecretError naming the directory when it does not exist", async () => {
    const dir = path.join(freshDir(), "missing");
    const provider = createEnvProvider({ path: path.join(dir, ".env"), env: {} });
    const error = await failure(provider.check());
    expect(error.message).toBe(`Cannot use ${path.join(dir, ".env")}: the directory ${dir} does not exist`);
    // And through the manager, as a failed health check rather than a throw.
    const result = await new SecretManager({ provider }).checkProvider();
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe("PROVIDER_UNAVAILABLE");
    // A write there fails clearly too, and creates nothing.
    const write = await failure(provider.set("A", "1"));
    expect(write.message).toContain(dir);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("configuration", () => {
  it("createProvider uses SECRET_ENV_FILE relative to the project directory, else .env there", async () => {
    const dir = freshDir();
    writeFileSync(path.join(dir, "custom.env"), "FROM=custom\n");
    writeFileSync(path.join(dir, ".env"), "FROM=default\n");
    const logger = createLogger({ level: "silent" });
    const custom = createProvider({ env: { SECRET_ENV_FILE: "custom.env" }, cwd: dir, logger });
    expect(custom).toBeInstanceOf(EnvProvider);
    expect(custom.path).toBe(path.join(dir, "custom.env"));
    expect((await custom.get("FROM"))?.value).toBe("custom");
    const fallback = createProvider({ env: {}, cwd: dir, logger });
    expect(fallback.path).toBe(path.join(dir, ".env"));
    expect((await fallback.get("FROM"))?.value).toBe("default");
    expect(createProvider({ env: { SECRET_ENV_FILE: "  " }, cwd: dir, logger }).path).toBe(
      path.join(dir, ".env"),
    );
  });

  it("an explicit path wins over SECRET_ENV_FILE", () => {
    const dir = freshDir();
    const provider = createEnvProvider({
      path: "explicit.env",
      cwd: dir,
      env: { SECRET_ENV_FILE: "other.env" },
    });
    expect(provider.path).toBe(path.join(dir, "explicit.env"));
  });

  it("announces its capabilities and name", () => {
    const provider = createEnvProvider({ env: {} });
    expect(provider.name).toBe("env");
    expect(provider.capabilities).toEqual({
      versions: false,
      checkAndSet: true,
      metadata: true,
    });
    expect(capabilitiesOf(provider)).toMatchObject({ batchRead: true, list: true });
  });
});

describe("names that are properties of Object.prototype", () => {
  const names = ["constructor", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "prototype"];

  it("are read, written, listed and deleted as ordinary secrets", async () => {
    const { provider, read } = setup("A=1\n");
    for (const name of names) {
      expect(await provider.get(name)).toBeUndefined();
      expect(await provider.delete(name)).toBe(false);
    }
    expect((await provider.getMany(names)).size).toBe(0);
    for (const [i, name] of names.entries()) await provider.set(name, `value ${i}`);
    for (const [i, name] of names.entries()) expect((await provider.get(name))?.value).toBe(`value ${i}`);
    const many = await provider.getMany(names);
    expect([...many.keys()]).toEqual(names);
    expect(await provider.list()).toEqual(["A", ...names].sort());
    const parsed = dotenvParse(read());
    for (const [i, name] of names.entries())
      expect(Object.hasOwn(parsed, name) && parsed[name]).toBe(`value ${i}`);
    expect(await provider.delete("constructor")).toBe(true);
    expect(await provider.get("constructor")).toBeUndefined();
    expect((await provider.list()).length).toBe(names.length);
  });

  it("an environment object's inherited members are not taken for values", async () => {
    const env: Record<string, string | undefined> = { toString: "from-env" };
    const { provider } = setup("constructor=from-file\n", env);
    expect((await provider.get("constructor"))?.value).toBe("from-file");
    expect((await provider.get("toString"))?.value).toBe("from-env");
    expect(await provider.get("hasOwnProperty")).toBeUndefined();
  });

  it("metadata keys such as __proto__ and constructor round-trip", async () => {
    const { provider } = setup();
    const metadata = JSON.parse('{"__proto__":"a","constructor":"b","owner":"ops"}') as Record<
      string,
      string
    >;
    await provider.set("S", "v", { metadata });
    const record = await provider.get("S");
    expect(Object.keys(record?.metadata ?? {}).sort()).toEqual(["__proto__", "constructor", "owner"]);
    expect(record?.metadata?.constructor).toBe("b");
    expect(Object.getOwnPropertyDescriptor(record?.metadata, "__proto__")?.value).toBe("a");
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe("the file size limit", () => {
  it("refuses to read a file over maxFileBytes, naming the file and the limit, never its content", async () => {
    const dir = freshDir();
    const file = path.join(dir, ".env");
    const content = `SECRET=${"s".repeat(200)}\n`;
    writeFileSync(file, content, { mode: 0o600 });
    const provider = createEnvProvider({ path: file, env: {}, maxFileBytes: 100 });
    // One call at a time: a rejection made while awaiting another would go unobserved.
    for (const attempt of [
      () => provider.get("SECRET"),
      () => provider.list(),
      () => provider.set("OTHER", "x"),
    ]) {
      const error = await failure(attempt());
      expect(error).toBeInstanceOf(SecretConfigError);
      expect(error.message).toBe(
        `Cannot use ${file}: it is ${content.length} bytes, over the limit of 100 bytes for a dotenv file (option maxFileBytes)`,
      );
    }
    expect(readFileSync(file, "utf8")).toBe(content);
  });

  it("refuses a write that would grow the file past maxFileBytes and leaves it as it was", async () => {
    const dir = freshDir();
    const file = path.join(dir, ".env");
    writeFileSync(file, "A=1\n", { mode: 0o600 });
    const provider = createEnvProvider({ path: file, env: {}, maxFileBytes: 100 });
    const error = await failure(provider.set("BIG", "b".repeat(200)));
    expect(error).toBeInstanceOf(SecretConfigError);
    expect(error.message).toMatch(/would be \d+ bytes, over the limit of 100 bytes/);
    expect(error.message).not.toContain("bbb");
    expect(readFileSync(file, "utf8")).toBe("A=1\n");
    expect(readdirSync(dir)).toEqual([".env"]);
  });

  it("refuses a limit that is not a positive whole number", () => {
    expect(() => createEnvProvider({ maxFileBytes: 0 })).toThrow(/maxFileBytes/);
  });
});

describe("the lock", () => {
  it("waits for a live holder up to the configured bound, then fails naming the lock file", async () => {
    const { provider, file } = setup("A=1\n");
    // A holder elsewhere (another host) that keeps refreshing its heartbeat.
    const lock = `${file}.lock`;
    writeFileSync(lock, `${JSON.stringify({ host: "elsewhere", ns: "", pid: 1, id: "abcdabcdabcdabcd" })}\n`);
    const beat = setInterval(() => {
      const now = new Date();
      fsp.utimes(lock, now, now).catch(() => {});
    }, 30);
    const slow = createEnvProvider({ path: file, env: {}, lock: { timeoutMs: 400, staleMs: 300 } });
    try {
      const error = await failure(slow.set("B", "2"));
      expect(error.code).toBe("TIMEOUT");
      expect(error.message).toContain(lock);
    } finally {
      clearInterval(beat);
    }
    expect(await provider.get("B")).toBeUndefined();
    // Once it stops heartbeating, it is taken over.
    await slow.set("B", "2");
    expect((await provider.get("B"))?.value).toBe("2");
    expect(existsSync(lock)).toBe(false);
  });
});

describe("a caller that gives up during a write", () => {
  it("aborted once the lock is taken: the file is unchanged, nothing left behind", async () => {
    const original = "A=1\n";
    const { provider, dir, read } = setup(original);
    const controller = new AbortController();
    const reason = new Error("deadline");
    // The abort lands just as the lock is taken: the write must not go on to store the value.
    const open = fsp.open;
    const opens = vi.spyOn(fsp, "open").mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      const handle = await open(...args);
      if (String(args[0]).endsWith(".lock") && args[1] !== undefined && typeof args[1] !== "string")
        controller.abort(reason);
      return handle;
    });
    try {
      await expect(provider.set("B", "2", { signal: controller.signal })).rejects.toBe(reason);
    } finally {
      opens.mockRestore();
    }
    expect(read()).toBe(original);
    expect(readdirSync(dir)).toEqual([".env"]);
  });

  it("aborted while the new file is flushed: the rename does not happen, the file is unchanged", async () => {
    const original = "A=1\n";
    const { provider, dir, file, read } = setup(original);
    const controller = new AbortController();
    const reason = new Error("deadline");
    const probe = await fsp.open(file, "r");
    const prototype = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = prototype.sync;
    const syncs = vi.spyOn(prototype, "sync").mockImplementation(async function (this: unknown) {
      controller.abort(reason);
      return sync.call(this);
    });
    try {
      await expect(provider.setMany([{ name: "B", value: "2" }], { signal: controller.signal })).rejects.toBe(
        reason,
      );
    } finally {
      syncs.mockRestore();
    }
    expect(read()).toBe(original);
    expect(readdirSync(dir)).toEqual([".env"]);
    // The next write is not hindered by anything the aborted one left.
    await provider.set("B", "3");
    expect((await provider.get("B"))?.value).toBe("3");
  });
});

describe("setMany", () => {
  it("writes many secrets in one locked rewrite of the file", async () => {
    const { provider, read } = setup("# head\nKEEP=1\n");
    const renames = vi.spyOn(fsp, "rename");
    const entries = Array.from({ length: 200 }, (_, i) => ({
      name: `S_${i}`,
      value: `value #${i}`,
      options: { ifAbsent: true, metadata: { owner: "init" } },
    }));
    const results = await provider.setMany(entries);
    expect(renames).toHaveBeenCalledTimes(1);
    expect(results.size).toBe(200);
    expect(results.get("S_7")).toEqual({ version: valueVersion("value #7") });
    const parsed = dotenvParse(read());
    expect(Object.keys(parsed)).toHaveLength(201);
    expect(parsed.S_199).toBe("value #199");
    expect(read().startsWith("# head\nKEEP=1\n")).toBe(true);
    expect((await provider.get("S_0"))?.metadata).toEqual({ owner: "init" });
  });

  it("reports a conflict for the entry that exists and writes the others, in one rewrite", async () => {
    const { provider, read } = setup("EXISTS=1\n");
    const renames = vi.spyOn(fsp, "rename");
    const results = await provider.setMany([
      { name: "NEW_A", value: "a", options: { ifAbsent: true } },
      { name: "EXISTS", value: "b", options: { ifAbsent: true } },
      { name: "NEW_C", value: "c", options: { ifAbsent: true } },
    ]);
    expect([...results.keys()]).toEqual(["NEW_A", "EXISTS", "NEW_C"]);
    expect(results.get("EXISTS")).toBeInstanceOf(SecretConflictError);
    expect((results.get("EXISTS") as SecretConflictError).secret).toBe("EXISTS");
    expect(results.get("NEW_A")).toEqual({ version: valueVersion("a") });
    expect(renames).toHaveBeenCalledTimes(1);
    expect(dotenvParse(read())).toEqual({ EXISTS: "1", NEW_A: "a", NEW_C: "c" });
  });

  it("checks ifVersion under the lock per entry, and replaces existing values in place", async () => {
    const { provider, read } = setup("# head\nA=1\nB=2\nTAIL=t\n");
    const results = await provider.setMany([
      { name: "A", value: "one", options: { ifVersion: valueVersion("1") } },
      { name: "B", value: "two", options: { ifVersion: valueVersion("stale") } },
      { name: "C", value: "three" },
    ]);
    expect(results.get("A")).toEqual({ version: valueVersion("one") });
    expect(results.get("B")).toBeInstanceOf(SecretConflictError);
    expect(dotenvParse(read())).toEqual({ A: "one", B: "2", TAIL: "t", C: "three" });
    expect(read().startsWith("# head\n")).toBe(true);
  });

  it("writes nothing when every entry conflicts", async () => {
    const original = "A=1\nB=2\n";
    const { provider, read, dir } = setup(original);
    const renames = vi.spyOn(fsp, "rename");
    const results = await provider.setMany([
      { name: "A", value: "x", options: { ifAbsent: true } },
      { name: "B", value: "y", options: { ifAbsent: true } },
    ]);
    expect([...results.values()].every((r) => r instanceof SecretConflictError)).toBe(true);
    expect(renames).not.toHaveBeenCalled();
    expect(read()).toBe(original);
    expect(readdirSync(dir)).toEqual([".env"]);
  });

  it("fails only the entry the file cannot hold, writing the others", async () => {
    const { provider, read } = setup();
    const results = await provider.setMany([
      { name: "__proto__", value: "x" },
      { name: "A", value: "\ud800" },
      { name: "M", value: "m", options: { metadata: { "bad key": "v" } } },
      { name: "OK", value: "fine" },
    ]);
    expect(results.get("__proto__")).toBeInstanceOf(InvalidSecretNameError);
    expect(results.get("A")).toBeInstanceOf(InvalidSecretValueError);
    expect(results.get("M")).toBeInstanceOf(Error);
    expect(results.get("OK")).toEqual({ version: valueVersion("fine") });
    expect(dotenvParse(read())).toEqual({ OK: "fine" });
  });

  it("appends hostile values that read back exactly, after a last line without a line break", async () => {
    const values = hostileValues.map((h) => h.value);
    for (const tail of [
      "LAST=1",
      "LAST='open",
      'LAST="open',
      "LAST=`open",
      "# comment \\",
      "LAST=1\r\nX=2",
    ]) {
      const { provider, file } = setup(tail);
      const before = dotenvParse(tail);
      const entries = values.map((value, i) => ({ name: `H_${i}`, value }));
      const results = await provider.setMany(entries);
      const accepted = entries.filter((e) => !(results.get(e.name) instanceof Error));
      expect(accepted.length).toBeGreaterThan(0);
      const reader = createEnvProvider({ path: file, env: {} });
      const parsed = dotenvParse(readFileSync(file, "utf8"));
      for (const [name, value] of Object.entries(before)) expect(parsed[name], tail).toBe(value);
      for (const { name, value } of accepted)
        expect((await reader.get(name))?.value, `${tail} ${name}`).toBe(value);
    }
  });

  it("refuses a repeated name before taking the lock", async () => {
    const { provider, file } = setup();
    const opened = vi.spyOn(fsp, "open");
    const read = vi.spyOn(fileCalls, "open");
    const repeated = await failure(
      provider.setMany([
        { name: "A", value: "1" },
        { name: "A", value: "2" },
      ]),
    );
    expect(repeated).toBeInstanceOf(SecretConfigError);
    expect(repeated.message).toContain("'A'");
    expect(opened.mock.calls.filter(([p]) => String(p).startsWith(file))).toHaveLength(0);
    expect(read.mock.calls.filter(([p]) => String(p).startsWith(file))).toHaveLength(0);
    expect(existsSync(file)).toBe(false);
  });
});

describe("configuration of the lock", () => {
  it("refuses a lock option that is not a positive number, naming it", () => {
    expect(() => createEnvProvider({ lock: { staleMs: -5 } })).toThrow(/lock\.staleMs/);
    expect(() => createEnvProvider({ lock: { timeoutMs: Number.NaN } })).toThrow(/lock\.timeoutMs/);
  });
});
