import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SecretConfigError } from "@org/secrets-core";
import { fileCalls } from "@org/secrets-core/provider";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  DEFAULT_MANIFEST_YAML,
  defaultManifest,
  generatorEntropyBits,
  loadManifest,
  type Manifest,
  ManifestError,
  parseManifest,
  SecretInitializer,
} from "../src/index.js";
import { MemoryProvider, managerFor } from "./helpers.js";

const EXAMPLE = `version: 1
secrets:
  SECRET_KEY:
    description: Application secret key
    required: true
    generate: { kind: hex, length: 64 }
    rotation: 90d
  DATABASE_URL:
    description: Database connection string
    required: true
    generate: false
    development: sqlite:///./dev.db
  ADMIN_PASSWORD:
    required: false
    generate:
      kind: password
      length: 48
      symbols: false
    rotation: 12h
  SESSION_ID: { generate: uuid, rotation: 2w }
  PROVIDED_ELSEWHERE:
`;

function errorOf(text: string, file = "secrets.yaml"): ManifestError {
  try {
    parseManifest(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    expect(error).toBeInstanceOf(SecretConfigError);
    const e = error as ManifestError;
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.message).not.toContain("\n");
    expect(e.message.startsWith(`${file}:${e.line}:${e.column}: `)).toBe(true);
    expect(e.field).toBe(`${file}:${e.line}:${e.column}`);
    return e;
  }
  throw new Error("expected the manifest to be rejected");
}

function expectError(text: string, line: number, column: number, message: RegExp): ManifestError {
  const error = errorOf(text);
  expect({ line: error.line, column: error.column }).toEqual({ line, column });
  expect(error.message).toMatch(message);
  return error;
}

describe("parseManifest", () => {
  it("reads a full manifest in declaration order", () => {
    const manifest = parseManifest(EXAMPLE, "config/secrets.yaml");
    expect(manifest.source).toBe("config/secrets.yaml");
    expect(manifest.version).toBe(1);
    expect(manifest.secrets.map((s) => s.name)).toEqual([
      "SECRET_KEY",
      "DATABASE_URL",
      "ADMIN_PASSWORD",
      "SESSION_ID",
      "PROVIDED_ELSEWHERE",
    ]);
    const [secretKey, databaseUrl, adminPassword, sessionId, provided] = manifest.secrets;
    expect(secretKey).toEqual({
      name: "SECRET_KEY",
      description: "Application secret key",
      required: true,
      generate: { kind: "hex", length: 64 },
      rotation: { text: "90d", ms: 90 * 24 * 3600 * 1000 },
    });
    expect(databaseUrl).toEqual({
      name: "DATABASE_URL",
      description: "Database connection string",
      required: true,
      generate: false,
      development: "sqlite:///./dev.db",
    });
    expect(adminPassword).toEqual({
      name: "ADMIN_PASSWORD",
      required: false,
      generate: { kind: "password", length: 48, lower: true, upper: true, digits: true, symbols: false },
      rotation: { text: "12h", ms: 12 * 3600 * 1000 },
    });
    // Omitted `required` means required; a kind alone takes that kind's defaults.
    expect(sessionId).toEqual({
      name: "SESSION_ID",
      required: true,
      generate: { kind: "uuid" },
      rotation: { text: "2w", ms: 14 * 24 * 3600 * 1000 },
    });
    // A bare name declares a required secret someone has to provide.
    expect(provided).toEqual({ name: "PROVIDED_ELSEWHERE", required: true, generate: false });
    expect(Object.isFrozen(manifest.secrets)).toBe(true);
  });

  it("resolves anchors and aliases", () => {
    const manifest = parseManifest(`version: 1
secrets:
  A:
    generate: &strong { kind: base64url, length: 64 }
  B:
    generate: *strong
`);
    expect(manifest.secrets[1]?.generate).toEqual({ kind: "base64url", length: 64 });
  });

  it("accepts an explicitly empty secrets mapping", () => {
    expect(parseManifest("version: 1\nsecrets: {}\n").secrets).toEqual([]);
  });

  it("refuses secrets: with nothing under it, which declares nothing by accident", () => {
    const empty =
      /secrets is empty: declare at least one secret under it, or write secrets: \{\} to declare none/;
    expectError("version: 1\nsecrets:\n", 2, 9, empty);
    // Every entry commented out.
    expectError("version: 1\nsecrets:\n#  SECRET_KEY: { generate: hex }\n", 2, 9, empty);
    expectError("version: 1\nsecrets: ~\n", 2, 10, empty);
    const code = { version: 1, source: "code", secrets: null } as unknown as Manifest;
    expect(
      () => new SecretInitializer({ manager: managerFor(new MemoryProvider()), manifest: code }),
    ).toThrow(/^Invalid manifest code: secrets is empty/);
  });

  it("refuses an alias that refers to no anchor instead of reading it as empty", () => {
    expectError(
      "version: 1\nsecrets: *all\n",
      2,
      10,
      /alias \*all refers to no anchor: define &all before it/,
    );
    // An anchor defined after its alias is no anchor for it either.
    expectError(
      "version: 1\nsecrets:\n  A: { generate: *g }\n  B: { generate: &g hex }\n",
      3,
      18,
      /alias \*g refers to no anchor/,
    );
  });

  it("reports an unknown top-level key with a suggestion", () => {
    expectError(
      "version: 1\nsecret:\n  A: {}\n",
      2,
      1,
      /unknown key "secret" at the top level \(did you mean "secrets"\?\)/,
    );
  });

  it("reports an unknown key in a secret at the key", () => {
    const text = "version: 1\nsecrets:\n  SECRET_KEY:\n    requred: true\n";
    expectError(
      text,
      4,
      5,
      /unknown key "requred" in secret SECRET_KEY \(did you mean "required"\?\): expected description, required, generate, rotation, development/,
    );
  });

  it("reports an unknown key in a generator", () => {
    expectError(
      "version: 1\nsecrets:\n  A:\n    generate: { kind: hex, size: 64 }\n",
      4,
      28,
      /unknown key "size" in secrets\.A\.generate/,
    );
  });

  it("reports wrong types at the value", () => {
    expectError(
      "version: 1\nsecrets:\n  A:\n    required: yes\n",
      4,
      15,
      /secrets\.A\.required must be true or false, not a string/,
    );
    expectError(
      "version: 1\nsecrets:\n  A:\n    description: 42\n",
      4,
      18,
      /secrets\.A\.description must be a string, not the number 42/,
    );
    expectError(
      "version: 1\nsecrets:\n  A:\n    development: [a]\n",
      4,
      18,
      /secrets\.A\.development must be a string, not a list/,
    );
    expectError(
      "version: 1\nsecrets:\n  A: just-a-string\n",
      3,
      6,
      /secrets\.A must be a mapping of description, required/,
    );
    expectError("version: 1\nsecrets: [A, B]\n", 2, 10, /secrets must be a mapping of secret names/);
    expectError(
      'version: 1\nsecrets:\n  A:\n    generate: { kind: hex, length: "64" }\n',
      4,
      36,
      /secrets\.A\.generate\.length must be a whole number of characters/,
    );
    expectError(
      "version: 1\nsecrets:\n  A:\n    generate: { kind: password, symbols: 1 }\n",
      4,
      42,
      /secrets\.A\.generate\.symbols must be true or false, not the number 1/,
    );
    expectError(
      "version: 1\nsecrets:\n  A:\n    generate: true\n",
      4,
      15,
      /secrets\.A\.generate must be false, a generator kind/,
    );
  });

  it("reports invalid secret names with core's rules", () => {
    expectError(
      "version: 1\nsecrets:\n  9LIVES: {}\n",
      3,
      3,
      /invalid secret name '9LIVES': use letters, digits and underscores/,
    );
    expectError("version: 1\nsecrets:\n  api-key: {}\n", 3, 3, /invalid secret name 'api-key'/);
    expectError(`version: 1\nsecrets:\n  ${"A".repeat(129)}: {}\n`, 3, 3, /at most 128 characters/);
  });

  it("reports bad rotation periods", () => {
    for (const period of ["90", "90 days", "0d", "1m", "-1d", "1.5d"]) {
      const text = `version: 1\nsecrets:\n  A:\n    rotation: ${period}\n`;
      const error = expectError(text, 4, 15, /secrets\.A\.rotation/);
      expect(error.message).toMatch(
        period === "90"
          ? /must be a period such as 90d, not the number 90/
          : /use a whole number of hours, days or weeks such as 12h, 30d or 1w/,
      );
    }
  });

  it("reports unknown generator kinds, long or short form", () => {
    expectError(
      "version: 1\nsecrets:\n  A:\n    generate: { kind: hax }\n",
      4,
      23,
      /unknown generator kind "hax" at secrets\.A\.generate\.kind \(did you mean "hex"\?\): use hex, base64url, alphanumeric, password, uuid/,
    );
    expectError(
      "version: 1\nsecrets:\n  A:\n    generate: random\n",
      4,
      15,
      /unknown generator kind "random"/,
    );
    expectError(
      "version: 1\nsecrets:\n  A:\n    generate: { length: 64 }\n",
      4,
      15,
      /secrets\.A\.generate needs a kind/,
    );
  });

  it("reports a generator length that gives too little entropy at the length", () => {
    expectError(
      "version: 1\nsecrets:\n  A:\n    generate: { kind: hex, length: 16 }\n",
      4,
      36,
      /secrets\.A\.generate: length 16 gives generator hex only 64 bits of entropy; use a length of at least 32 \(128 bits\)/,
    );
  });

  it("reports duplicate keys", () => {
    expectError(
      "version: 1\nsecrets:\n  SECRET_KEY: {}\n  OTHER: {}\n  SECRET_KEY: {}\n",
      5,
      3,
      /duplicate key "SECRET_KEY"/,
    );
  });

  it("reports a duplicate quoted key in a flow mapping", () => {
    expectError('version: 1\nsecrets: { "A": {}, "A": {} }\n', 2, 21, /duplicate key "A"/);
  });

  it("reports more than one YAML document", () => {
    expectError("version: 1\nsecrets: {}\n---\nversion: 1\n", 3, 1, /a manifest is one YAML document/);
  });

  it("reports a missing, wrong or empty document", () => {
    expectError("", 1, 1, /the manifest is empty/);
    expectError("# only a comment\n", 1, 1, /the manifest is empty/);
    expectError("secrets: {}\n", 1, 1, /missing version: add version: 1/);
    expectError(
      "version: 2\nsecrets: {}\n",
      1,
      10,
      /unsupported manifest version 2: this release reads version 1/,
    );
    expectError("version: 1\n", 1, 1, /missing secrets/);
    expectError("- a\n- b\n", 1, 1, /the manifest must be a mapping/);
  });

  it("reports YAML syntax errors with their position", () => {
    const error = expectError("version: 1\nsecrets:\n  A: { kind: hex\n", 4, 1, /invalid YAML/);
    expect(error.issues.length).toBeGreaterThan(0);
  });

  it("collects every problem and names how many more there are", () => {
    const error = errorOf(
      "version: 1\nsecrets:\n  A:\n    required: maybe\n  B:\n    rotation: soon\n  c-d: {}\n",
    );
    expect(error.issues.map((i) => [i.line, i.column, i.path])).toEqual([
      [4, 15, "secrets.A.required"],
      [6, 15, "secrets.B.rotation"],
      [7, 3, "secrets.c-d"],
    ]);
    expect(error.message).toMatch(/^secrets\.yaml:4:15: .* \(and 2 more problems\)$/);
  });

  it("allows a required secret that cannot be generated", () => {
    const manifest = parseManifest(
      "version: 1\nsecrets:\n  DATABASE_URL: { required: true, generate: false }\n",
    );
    expect(manifest.secrets[0]).toEqual({ name: "DATABASE_URL", required: true, generate: false });
  });
});

describe("defaultManifest", () => {
  it("declares the spec's required and optional secrets", () => {
    const manifest = defaultManifest();
    expect(manifest.source).toBe("built-in");
    const byName = new Map(manifest.secrets.map((s) => [s.name, s]));
    expect(manifest.secrets.filter((s) => s.required).map((s) => s.name)).toEqual([
      "SECRET_KEY",
      "JWT_SECRET_KEY",
      "DATABASE_URL",
      "BASIC_AUTH_PASSWORD",
    ]);
    expect(manifest.secrets.filter((s) => !s.required).map((s) => s.name)).toEqual([
      "TYPESENSE_API_KEY",
      "SPARK_AUTH_SECRET",
      "REDIS_PASSWORD",
      "GRAFANA_ADMIN_PASSWORD",
      "SMTP_PASSWORD",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
    ]);
    expect(byName.get("SECRET_KEY")?.generate).toEqual({ kind: "hex", length: 64 });
    expect(byName.get("JWT_SECRET_KEY")?.generate).toEqual({ kind: "base64url", length: 64 });
    expect(byName.get("DATABASE_URL")?.generate).toBe(false);
    expect(byName.get("DATABASE_URL")?.development).toBe("sqlite:///./dev.db");
    expect(byName.get("BASIC_AUTH_PASSWORD")?.generate).toMatchObject({ kind: "password" });
    for (const name of ["SMTP_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
      expect(byName.get(name)?.generate).toBe(false);
    for (const secret of manifest.secrets) {
      if (secret.generate !== false)
        expect(generatorEntropyBits(secret.generate)).toBeGreaterThanOrEqual(256);
    }
    expect(manifest.secrets.filter((s) => s.rotation).map((s) => [s.name, s.rotation?.text])).toEqual([
      ["SECRET_KEY", "90d"],
      ["JWT_SECRET_KEY", "90d"],
      ["BASIC_AUTH_PASSWORD", "90d"],
    ]);
  });

  it("is the same text that DEFAULT_MANIFEST_YAML exports", () => {
    expect(parseManifest(DEFAULT_MANIFEST_YAML, "built-in")).toEqual(defaultManifest());
  });
});

describe("a manifest built in code", () => {
  const refusal = (manifest: unknown): SecretConfigError => {
    try {
      new SecretInitializer({ manager: managerFor(new MemoryProvider()), manifest: manifest as Manifest });
    } catch (error) {
      expect(error).toBeInstanceOf(SecretConfigError);
      return error as SecretConfigError;
    }
    throw new Error("expected the manifest to be refused");
  };
  const built = (secrets: unknown[]) => ({ version: 1, source: "code", secrets });

  it("is checked by the schema files are read with: the same message, without a position", () => {
    const cases: Array<[string, unknown]> = [
      ["version: 1\nsecrets:\n  A:\n    required: yes\n", { name: "A", required: "yes", generate: false }],
      [
        "version: 1\nsecrets:\n  A:\n    generate: { kind: hex, length: 16 }\n",
        { name: "A", required: true, generate: { kind: "hex", length: 16 } },
      ],
      [
        "version: 1\nsecrets:\n  A:\n    generate: { kind: hax }\n",
        { name: "A", required: true, generate: { kind: "hax" } },
      ],
      [
        "version: 1\nsecrets:\n  A:\n    rotation: 0d\n",
        { name: "A", required: true, generate: false, rotation: { text: "0d", ms: 0 } },
      ],
      [
        "version: 1\nsecrets:\n  A:\n    development: ''\n",
        { name: "A", required: true, generate: false, development: "" },
      ],
      ["version: 1\nsecrets:\n  api-key: {}\n", { name: "api-key", required: true, generate: false }],
      [
        "version: 1\nsecrets:\n  A:\n    requred: true\n",
        { name: "A", required: true, generate: false, requred: true },
      ],
    ];
    for (const [yaml, secret] of cases) {
      const fromFile = errorOf(yaml, "code");
      const fromCode = refusal(built([secret]));
      const message = fromFile.message.slice(`code:${fromFile.line}:${fromFile.column}: `.length);
      expect(fromCode.message).toBe(`Invalid manifest code: ${message}`);
      expect(fromCode.field).toBe("code");
    }
  });

  it("refuses a name declared twice, a wrong version and a rotation whose period is not its text", () => {
    const a = { name: "A", required: true, generate: false };
    expect(refusal(built([a, a])).message).toBe(
      'Invalid manifest code: duplicate key "A": each key may appear once in a mapping',
    );
    expect(refusal({ ...built([a]), version: 2 }).message).toBe(
      "Invalid manifest code: unsupported manifest version 2: this release reads version 1",
    );
    expect(refusal(built([{ ...a, rotation: { text: "90d", ms: -1 } }])).message).toBe(
      "Invalid manifest code: secrets.A.rotation must be a period such as 90d, not a mapping",
    );
    expect(
      refusal(
        built([
          { ...a, required: 1 },
          { ...a, name: "B", required: 2 },
        ]),
      ).message,
    ).toBe(
      "Invalid manifest code: secrets.A.required must be true or false, not the number 1 (and 1 more problem)",
    );
  });

  it("is kept as it is when valid", async () => {
    const manifest = built([
      {
        name: "A",
        required: true,
        generate: { kind: "hex", length: 64 },
        rotation: { text: "90d", ms: 90 * 86_400_000 },
      },
      { name: "B", required: false, generate: false, description: "provided", development: "dev" },
    ]) as Manifest;
    const initializer = new SecretInitializer({ manager: managerFor(new MemoryProvider()), manifest });
    expect(await initializer.getManifest()).toBe(manifest);
    expect(
      new SecretInitializer({ manager: managerFor(new MemoryProvider()), manifest: defaultManifest() }),
    ).toBeDefined();
  });
});

describe("loadManifest", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "initializer-manifest-"));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  const one = (name: string) => `version: 1\nsecrets:\n  ${name}: { generate: hex }\n`;

  it("falls back to the built-in manifest", async () => {
    const manifest = await loadManifest({ cwd: dir, env: {} });
    expect(manifest.source).toBe("built-in");
    expect(manifest).toBe(defaultManifest());
  });

  it("finds secrets.yaml, or secrets.yml, in the project directory", async () => {
    await writeFile(path.join(dir, "secrets.yml"), one("FROM_YML"));
    let manifest = await loadManifest({ cwd: dir, env: {} });
    expect(manifest.source).toBe("secrets.yml");
    expect(manifest.secrets.map((s) => s.name)).toEqual(["FROM_YML"]);

    await rm(path.join(dir, "secrets.yml"));
    await writeFile(path.join(dir, "secrets.yaml"), one("FROM_YAML"));
    manifest = await loadManifest({ cwd: dir, env: {} });
    expect(manifest.source).toBe("secrets.yaml");
    expect(manifest.secrets.map((s) => s.name)).toEqual(["FROM_YAML"]);
  });

  it("refuses to guess between secrets.yaml and secrets.yml", async () => {
    await writeFile(path.join(dir, "secrets.yaml"), one("A"));
    await writeFile(path.join(dir, "secrets.yml"), one("B"));
    await expect(loadManifest({ cwd: dir, env: {} })).rejects.toThrow(
      /Both secrets\.yaml and secrets\.yml exist: keep one manifest, or set SECRETS_MANIFEST/,
    );
  });

  it("reads SECRETS_MANIFEST relative to the project directory, and the path option over it", async () => {
    await mkdir(path.join(dir, "config"));
    await writeFile(path.join(dir, "config", "env.yaml"), one("FROM_ENV"));
    await writeFile(path.join(dir, "config", "option.yaml"), one("FROM_OPTION"));
    await writeFile(path.join(dir, "secrets.yaml"), one("FROM_DEFAULT_FILE"));
    const env = { SECRETS_MANIFEST: "config/env.yaml" };
    const fromEnv = await loadManifest({ cwd: dir, env });
    expect(fromEnv.secrets.map((s) => s.name)).toEqual(["FROM_ENV"]);
    expect(fromEnv.source).toBe(path.join("config", "env.yaml"));
    const fromOption = await loadManifest({ cwd: dir, env, path: "config/option.yaml" });
    expect(fromOption.secrets.map((s) => s.name)).toEqual(["FROM_OPTION"]);
  });

  it("requires an explicit manifest to exist", async () => {
    await expect(loadManifest({ cwd: dir, env: { SECRETS_MANIFEST: "missing.yaml" } })).rejects.toThrow(
      /Secrets manifest missing\.yaml \(from SECRETS_MANIFEST\) does not exist/,
    );
    const error = await loadManifest({ cwd: dir, env: {}, path: "nope.yaml" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as SecretConfigError).field).toBe("path");
    expect((error as Error).message).toMatch(/nope\.yaml \(from the manifest option\) does not exist/);
  });

  it("reports a manifest that is a directory", async () => {
    await mkdir(path.join(dir, "secrets.yaml"));
    await expect(loadManifest({ cwd: dir, env: {} })).rejects.toThrow(/cannot be read: it is a directory/);
  });

  it("looks both names up at once, and reports the first name's failure when both fail", async () => {
    // Each open is held until both have been asked for: looked up in turn, the first would never finish.
    const opened: string[] = [];
    let release!: () => void;
    const bothAsked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { open } = fileCalls;
    vi.spyOn(fileCalls, "open").mockImplementation(async (...args) => {
      opened.push(path.basename(String(args[0])));
      if (opened.length === 2) release();
      await bothAsked;
      return open(...args);
    });
    await mkdir(path.join(dir, "secrets.yml"));
    await mkdir(path.join(dir, "secrets.yaml"));
    let timer: NodeJS.Timeout | undefined;
    const error = await Promise.race([
      loadManifest({ cwd: dir, env: {} }).catch((e: unknown) => e),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(new Error(`looked up in turn: ${opened}`)), 2000);
      }),
    ]).finally(() => clearTimeout(timer));
    expect((error as Error).message).toBe(
      `Secrets manifest ${path.join(dir, "secrets.yaml")} (from the project directory) cannot be read: it is a directory`,
    );
    expect(opened.sort()).toEqual(["secrets.yaml", "secrets.yml"]);
  });

  it("points errors at the file it read", async () => {
    await writeFile(
      path.join(dir, "secrets.yaml"),
      "version: 1\nsecrets:\n  A:\n    generate: { kind: hax }\n",
    );
    const error = await loadManifest({ cwd: dir, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).file).toBe("secrets.yaml");
    expect((error as Error).message).toMatch(/^secrets\.yaml:4:23: unknown generator kind "hax"/);
  });
});
