import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { InvalidSecretNameError, InvalidSecretValueError, SecretConfigError } from "@org/secrets-core";
import { parse as parseDotenv } from "dotenv";
import jsYaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  EXPORT_FORMATS,
  type ExportFormat,
  formatSecrets,
  formatShell,
  formatYaml,
  isExportFormat,
  quoteYaml,
} from "../src/index.js";
import { HOSTILE_VALUES } from "./hostile.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "exporters-"));
  dirs.push(dir);
  return dir;
}

/** One secret per hostile value, named V0, V1… so the test can map them back. */
function hostileEntries(values: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  return new Map(values.map(([, value], i) => [`V${i}`, value]));
}

describe("EXPORT_FORMATS", () => {
  it("lists the four formats", () => {
    expect(EXPORT_FORMATS).toEqual(["env", "json", "yaml", "shell"]);
    expect(isExportFormat("yaml")).toBe(true);
    expect(isExportFormat("toml")).toBe(false);
    expect(isExportFormat(undefined)).toBe(false);
  });

  it("rejects an unknown format with a SecretConfigError naming the valid ones", () => {
    const attempt = () => formatSecrets({ A: "1" }, "toml" as ExportFormat);
    expect(attempt).toThrow(SecretConfigError);
    expect(attempt).toThrow('Unknown export format "toml": use one of env, json, yaml, shell');
  });
});

describe.each(EXPORT_FORMATS)("format %s", (format) => {
  it("keeps the caller's order, from a Map or a plain object", () => {
    const names = ["ZETA", "ALPHA", "MIDDLE", "_UNDERSCORE"];
    const fromMap = formatSecrets(new Map(names.map((n) => [n, `v-${n}`])), format);
    const fromObject = formatSecrets(Object.fromEntries(names.map((n) => [n, `v-${n}`])), format);
    expect(fromObject).toBe(fromMap);
    const positions = names.map((n) => fromMap.indexOf(n));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it("ends with a newline", () => {
    expect(formatSecrets({ A: "1" }, format).endsWith("\n")).toBe(true);
  });

  it("rejects an invalid secret name before formatting anything", () => {
    expect(() => formatSecrets({ "BAD-NAME": "x" }, format)).toThrow(InvalidSecretNameError);
    expect(() => formatSecrets(new Map([["1ABC", "x"]]), format)).toThrow(InvalidSecretNameError);
  });

  it("rejects a value that is not a string, naming the secret", () => {
    const entries = { GOOD: "x", NUMBER: 42 } as unknown as Record<string, string>;
    expect(() => formatSecrets(entries, format)).toThrow(/Invalid value for secret 'NUMBER'/);
  });
});

describe("json", () => {
  it("reads back every hostile value identically", () => {
    const entries = hostileEntries(HOSTILE_VALUES);
    const parsed = JSON.parse(formatSecrets(entries, "json")) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([...entries.keys()]);
    for (const [name, value] of entries) expect(parsed[name]).toBe(value);
  });

  it("is pretty-printed with two spaces", () => {
    expect(formatSecrets({ A: "1", B: "2" }, "json")).toBe('{\n  "A": "1",\n  "B": "2"\n}\n');
    expect(formatSecrets({}, "json")).toBe("{}\n");
  });

  it("keeps __proto__ as an ordinary key", () => {
    const parsed = JSON.parse(formatSecrets(new Map([["__proto__", "x"]]), "json"));
    expect(Object.keys(parsed)).toEqual(["__proto__"]);
  });
});

describe("yaml", () => {
  const entries = hostileEntries(HOSTILE_VALUES);
  const text = formatYaml(entries);

  it.each([
    ["yaml (YAML 1.2)", (t: string) => parseYaml(t) as unknown],
    ["yaml (YAML 1.1)", (t: string) => parseYaml(t, { version: "1.1" }) as unknown],
    ["js-yaml", (t: string) => jsYaml.load(t) as unknown],
    [
      "js-yaml (failsafe schema)",
      (t: string) => jsYaml.load(t, { schema: jsYaml.FAILSAFE_SCHEMA }) as unknown,
    ],
  ])("%s reads every hostile value back as the identical string", (_reader, read) => {
    const parsed = read(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([...entries.keys()]);
    HOSTILE_VALUES.forEach(([label, value], i) => {
      expect({ label, value: parsed[`V${i}`] }).toEqual({ label, value });
    });
  });

  it("quotes keys too, so a name like `on` or `null` stays a string key under YAML 1.1", () => {
    const names = ["on", "off", "yes", "no", "y", "n", "null", "true", "NO", "Y"];
    const out = formatYaml(new Map(names.map((n) => [n, n])));
    const parsed = parseYaml(out, { version: "1.1" }) as Record<string, string>;
    expect(Object.entries(parsed)).toEqual(names.map((n) => [n, n]));
  });

  it("writes one line per secret, whatever the value holds", () => {
    expect(text.split("\n")).toHaveLength(entries.size + 1);
  });

  it("leaves no character raw that YAML forbids unescaped or that a YAML 1.1 reader takes for a line break", () => {
    // The JavaScript readers above accept them raw; PyYAML, for one, refuses DEL and C1 controls and reads NEL as a space.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not appear raw
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;
    expect(raw.test(text)).toBe(false);
    const separators = formatYaml({ S: "\u0085\u2028\u2029\u007f\u0090\ufeff\ufffe\uffff" });
    expect(separators).toBe('"S": "\\x85\\u2028\\u2029\\x7F\\x90\\uFEFF\\uFFFE\\uFFFF"\n');
  });

  it("writes an empty mapping for no secrets", () => {
    expect(formatYaml({})).toBe("{}\n");
    expect(parseYaml(formatYaml({}))).toEqual({});
  });

  it("quoteYaml: one double-quoted scalar on one line that every reader reads back as the value", () => {
    for (const [label, value] of HOSTILE_VALUES) {
      const quoted = quoteYaml(value);
      expect({ label, oneLine: /^"[^\n]*"$/.test(quoted) }).toEqual({ label, oneLine: true });
      expect({ label, value: parseYaml(quoted, { version: "1.1" }) }).toEqual({ label, value });
      expect({ label, value: jsYaml.load(quoted) }).toEqual({ label, value });
    }
  });

  it("escapes lone surrogates so they round-trip", () => {
    const value = "a\uD800b\uDC00";
    expect((parseYaml(formatYaml({ S: value })) as Record<string, string>).S).toBe(value);
    expect((jsYaml.load(formatYaml({ S: value })) as Record<string, string>).S).toBe(value);
  });
});

describe("shell", () => {
  it("writes export lines with single quotes", () => {
    expect(formatShell({ A: "plain", B: "it's", C: "" })).toBe(
      "export A='plain'\nexport B='it'\\''s'\nexport C=''\n",
    );
  });

  it("sh reads every hostile value back exactly", () => {
    const dir = tempDir();
    const entries = hostileEntries(HOSTILE_VALUES);
    writeFileSync(path.join(dir, "secrets.sh"), formatShell(entries));
    for (const [name, value] of entries) {
      const result = spawnSync("sh", ["-c", `. ./secrets.sh; printf %s "$${name}"`], {
        cwd: dir,
        encoding: "utf8",
        env: { PATH: process.env.PATH },
      });
      expect(result.stderr).toBe("");
      expect({ name, value: result.stdout }).toEqual({ name, value });
    }
  });

  it("sources cleanly with set -eu and leaves no other variables behind", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "secrets.sh"), formatShell({ A: "$(touch pwned)", B: "`touch pwned2`" }));
    const result = spawnSync("sh", ["-euc", '. ./secrets.sh; printf "%s|%s" "$A" "$B"; ls'], {
      cwd: dir,
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("$(touch pwned)|`touch pwned2`secrets.sh\n");
  });

  it("refuses NUL and lone surrogates, naming the secret but not the value", () => {
    for (const value of ["a\0b", "x\uD800y"]) {
      let caught: unknown;
      try {
        formatShell({ OK: "fine", BROKEN: value });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidSecretValueError);
      expect((caught as Error).message).toContain("'BROKEN'");
      expect((caught as Error).message).not.toContain(value);
    }
  });
});

describe("env", () => {
  /** Values dotenv can carry; which ones it cannot is the codec's decision, tested below. */
  const representableValues = () =>
    HOSTILE_VALUES.filter(([, value]) => {
      try {
        formatSecrets({ PROBE: value }, "env");
        return true;
      } catch (error) {
        if (error instanceof InvalidSecretValueError) return false;
        throw error;
      }
    });

  it("can represent the everyday hostile values", () => {
    const representable = representableValues();
    const labels = new Set(representable.map(([label]) => label));
    for (const label of [
      "plain",
      "empty",
      "leading and trailing spaces",
      "newline inside",
      "trailing newline",
      "single quote",
      "double quote",
      "dollar",
      "backslashes",
      "hash",
      "equals",
      "unicode",
      "YAML yes",
      "long",
    ]) {
      expect(labels.has(label), label).toBe(true);
    }
  });

  it("the dotenv package reads every representable value back identically", () => {
    const representable = representableValues();
    const entries = hostileEntries(representable);
    const parsed = parseDotenv(formatSecrets(entries, "env"));
    expect(Object.keys(parsed)).toEqual([...entries.keys()]);
    representable.forEach(([label, value], i) => {
      expect({ label, value: parsed[`V${i}`] }).toEqual({ label, value });
    });
  });

  it("single-quotes a value holding $ so that readers which expand variables leave it alone", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal parameter expansion is the point
    const entries = { BARE: "$HOME", BRACES: "${PATH:-x}", SPACED: "a $(b) c", QUOTED: "it's $X" };
    const text = formatSecrets(entries, "env");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal parameter expansion is the point
    expect(text).toBe("BARE='$HOME'\nBRACES='${PATH:-x}'\nSPACED='a $(b) c'\nQUOTED=it's $X\n");
    expect(parseDotenv(text)).toEqual(entries);
    // Two backslashes in a row stay out of single quotes, where python-dotenv would read them as one.
    expect(formatSecrets({ WINDOWS: "$x\\\\share" }, "env")).toBe("WINDOWS=$x\\\\share\n");
  });

  it("refuses a multi-line value only backticks can hold: readers that do not quote with backticks would read its lines as assignments", () => {
    const value = "x'\"\nLD_PRELOAD=/nonexistent/lib.so\nOTHER=1";
    let caught: unknown;
    try {
      formatSecrets({ FIRST: "ok", CULPRIT: value }, "env");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidSecretValueError);
    expect((caught as InvalidSecretValueError).secret).toBe("CULPRIT");
    expect((caught as Error).message).toContain("only in backticks");
    expect((caught as Error).message).not.toContain("LD_PRELOAD");
    // On one line, backticks still hold such a value: no reader can split it.
    expect(formatSecrets({ ONE_LINE: `'"x` }, "env")).toBe("ONE_LINE=`'\"x`\n");
    // Every line shape a line-based reader takes as a variable of its own.
    for (const line of ["EVIL=1", "  export EVIL=1", "EVIL: 1", "EVIL", "'EVIL'=1", "a:b=1", "x`"])
      expect(() => formatSecrets({ CULPRIT: `it's "q"\n${line}` }, "env"), line).toThrow(
        InvalidSecretValueError,
      );
  });

  it("keeps a multi-line value only backticks can hold when no line of it reads as a variable", () => {
    const value = `it's "quoted" $HOME \\n\nsecond line  `;
    const text = formatSecrets({ SPANS: value }, "env");
    expect(text.startsWith("SPANS=`")).toBe(true);
    expect(parseDotenv(text).SPANS).toBe(value);
  });

  it.each([
    ["all three quote characters and a newline", "`'\"\nline two"],
    ["all three quote characters and leading space", " `'\""],
    ["a lone surrogate", "abc\uD800def"],
  ])("a value dotenv cannot represent (%s) throws naming the secret, not the value", (_label, value) => {
    let caught: unknown;
    try {
      formatSecrets({ FIRST: "ok", CULPRIT: value }, "env");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidSecretValueError);
    expect((caught as InvalidSecretValueError).secret).toBe("CULPRIT");
    expect((caught as Error).message).toContain("'CULPRIT'");
    expect((caught as Error).message).not.toContain(value);
  });
});
