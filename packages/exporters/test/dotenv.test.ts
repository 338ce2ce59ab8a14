import {
  InvalidSecretNameError,
  InvalidSecretValueError,
  SecretConfigError,
  type SecretError,
} from "@org/secrets-core";
import { parse as dotenvParse } from "dotenv";
import { describe, expect, it } from "vitest";
import {
  canFormatDotenvValue,
  DotenvDocument,
  formatDotenvLine,
  formatDotenvValue,
  isDotenvKey,
  parseDotenv,
} from "../src/dotenv/index.js";

/** What both of dotenv's parsers (the default one and `fast`) read for `name`. */
function dotenvReads(text: string, name: string): { classic: string | undefined; fast: string | undefined } {
  return { classic: dotenvParse(text)[name], fast: dotenvParse(text, { fast: true })[name] };
}

function expectSameAsDotenv(text: string): void {
  expect(Object.fromEntries(parseDotenv(text)), JSON.stringify(text)).toEqual(dotenvParse(text));
}

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const long = Array.from({ length: 20_000 }, (_, i) => "abcdefghij#$= 'xyz"[i % 18]).join("");

const hostile: ReadonlyArray<readonly [label: string, value: string]> = [
  ["plain", "s3cr3t-Value_1"],
  ["single quote", "it's"],
  ["double quote", 'say "hi"'],
  ["backtick", "run `ls`"],
  ["single and double quotes", `it's "quoted"`],
  ["single quote and backtick", "it's `cmd`"],
  ["double quote and backtick", 'say "hi" `now`'],
  ["all three quotes, bare-safe", `a'b"c\`d`],
  ["wrapped in single quotes", "'quoted'"],
  ["wrapped in double quotes", '"quoted"'],
  ["wrapped in backticks", "`quoted`"],
  ["hash", "pa#ss"],
  ["hash after a space", "pa #ss"],
  ["leading hash", "#hash"],
  ["dollar HOME", "$HOME"],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${X}` is the point
  ["dollar braces", "${X}"],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${C:-d}` is the point
  ["dollar in quotes context", "a $B ${C:-d}"],
  ["backslash", "C:\\Users\\me"],
  ["trailing backslash", "C:\\path\\"],
  ["double trailing backslash", "end\\\\"],
  ["backslash before quote", "a\\'b"],
  ["backslash n as two characters", "line\\nline"],
  ["backslash r as two characters", "line\\rline"],
  ["real newline", "line1\nline2"],
  ["trailing newline", "line\n"],
  ["CRLF", "line1\r\nline2"],
  ["lone CR", "a\rb"],
  ["CR and double quote-free text", "\r"],
  ["leading spaces", "   lead"],
  ["trailing spaces", "trail   "],
  ["leading and trailing tabs", "\tboth\t"],
  ["only spaces", "   "],
  ["equals", "="],
  ["a=b=c", "a=b=c"],
  ["base64 padding", "YWJj=="],
  ["URL", "postgres://user:p%40ss@db:5432/app?sslmode=require#frag"],
  ["accents", "héllo wörld"],
  ["CJK", "秘密の値"],
  ["emoji", "🔑🦄👩‍👩‍👧"],
  ["RTL", "مرحبا بالعالم"],
  ["RTL override", "a\u202eb"],
  ["line and paragraph separators", "a\u2028b\u2029c"],
  ["zero-width and BOM", "\ufeffa\u200bb"],
  ["NUL", "a\u0000b"],
  ["empty", ""],
  ["JSON", '{"a":[1,"two"],"b":null}'],
  ["very long", long],
];

describe("parseDotenv", () => {
  const documents = [
    "",
    "A=1",
    "A=1\nB=2\n",
    "A=1\r\nB=2\r\n",
    "A=1\rB=2\r",
    "  export   A = spaced value   # comment\n",
    "A: colon\nB:no-space\n",
    "A=\nB=",
    "A=\n'swallowed'\n",
    "A=1\nA=2\nA=3\n",
    "__proto__=x\nconstructor=y\ntoString=z\n",
    "A='single' # c\nB=\"double\\nline\" # c\nC=`back` # c",
    "A='unterminated\nB=2\nC='x'\n",
    'A="multi\nline"\nB=after',
    'A="esc \\" quote"\n',
    "A='x\\'\nB=it'\n",
    "A='x\\'\nB=2\n",
    'A="abc\nB="c"\n',
    "A=a#b\nB=a #b\nC='a#b'\n",
    "# only a comment\n\n\n",
    "export\nA=1\n",
    "exportA=1\nexport=2\n",
    "A\n=1\n",
    "A='x'\u2028B=2\n",
    "A=a\u2028'b'\n",
    'A="\\\\n"\n',
    "A=' leading and trailing '\nB=\"  \"\n",
    'A="unterminated\n',
    "  A=1\n\tB=2\n",
    "A.B-C_D=dotted\n",
    "1=numeric\n2=keys\n",
    'A="x" y\n',
    "A='x' 'y'\n",
    "A=`a\nb`\n",
    "\ufeffA=bom\n",
    "A=1 # c\n# c2\nB=2",
  ];

  it.each(documents.map((d) => [JSON.stringify(d), d]))(
    "reads %s exactly like dotenv.parse",
    (_label, text) => {
      expectSameAsDotenv(text);
    },
  );

  it("keeps the last of duplicate keys, as dotenv does", () => {
    expect(parseDotenv("A=1\nB=x\nA=2\n").get("A")).toBe("2");
    expect(dotenvParse("A=1\nB=x\nA=2\n").A).toBe("2");
  });

  it("drops __proto__, as dotenv does", () => {
    expect(parseDotenv("__proto__=x\nB=1").has("__proto__")).toBe(false);
  });

  it("agrees with dotenv.parse on thousands of random documents", () => {
    const random = prng(0x5eed);
    const pieces = [
      "A",
      "B",
      "export ",
      "=",
      ": ",
      " ",
      "\t",
      "\n",
      "\r\n",
      "\r",
      "'",
      '"',
      "`",
      "#",
      "\\",
      "\\n",
      "\\r",
      "x",
      "y z",
      "$",
      "{",
      "é",
      "😀",
      "\u2028",
      "\u2029",
      "\ufeff",
      "\n\n",
      "  \n  ",
      "__proto__",
      "# note",
      "==",
      ".",
      "-",
    ];
    for (let i = 0; i < 4000; i++) {
      let text = "";
      const length = Math.floor(random() * 24);
      for (let j = 0; j < length; j++) text += pieces[Math.floor(random() * pieces.length)];
      expectSameAsDotenv(text);
    }
  });
});

describe("formatDotenvValue", () => {
  it.each(hostile.map(([label, value]) => [label, value]))(
    "writes %s so that both dotenv parsers and parseDotenv read it back",
    (_label, value) => {
      expect(canFormatDotenvValue(value)).toBe(true);
      const line = formatDotenvLine("HOSTILE", value);
      // Neighbours that could be swallowed if the encoding leaked past its line.
      const text = `BEFORE='b'\n${line}\n'stray' line\nAFTER=it'\n# don't\nLAST="l"\n`;
      expect(parseDotenv(text).get("HOSTILE")).toBe(value);
      expect(dotenvReads(text, "HOSTILE")).toEqual({ classic: value, fast: value });
      expect(parseDotenv(text).get("AFTER")).toBe("it'");
      expect(dotenvParse(text).AFTER).toBe("it'");
      // And as the last line of a file without a final line break.
      expect(dotenvReads(line, "HOSTILE")).toEqual({ classic: value, fast: value });
    },
  );

  it("chooses the shortest safe encoding", () => {
    expect(formatDotenvValue("plain")).toBe("plain");
    expect(formatDotenvValue("a=b=c")).toBe("a=b=c");
    expect(formatDotenvValue("$HOME")).toBe("$HOME");
    expect(formatDotenvValue("it's")).toBe("it's");
    expect(formatDotenvValue("C:\\path\\")).toBe("C:\\path\\");
    expect(formatDotenvValue("pa#ss")).toBe("'pa#ss'");
    expect(formatDotenvValue(" lead")).toBe("' lead'");
    expect(formatDotenvValue("it's #1")).toBe('"it\'s #1"');
    expect(formatDotenvValue(`it's "x" #`)).toBe('`it\'s "x" #`');
    expect(formatDotenvValue("a\nb")).toBe("'a\nb'");
    expect(formatDotenvValue("a\r\nb")).toBe('"a\\r\\nb"');
    expect(formatDotenvValue("'q'")).toBe("\"'q'\"");
    expect(formatDotenvValue("")).toBe("''");
  });

  it("rejects what no encoding can hold, naming the problem but never the value", () => {
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      [` '"\`${"SENSITIVE"}`, /single quote.*double quote.*backtick/],
      [`#'"\`SENSITIVE`, /contains '#'/],
      [" SENSITIVE\\", /end with a backslash/],
      ['SENSITIVE\r"', /carriage return.*double quote/],
      ["SENSITIVE\\n\r", /literal \\n or \\r/],
      ["SENSITIVE\ud800", /unpaired UTF-16 surrogate/],
    ];
    for (const [value, reason] of cases) {
      expect(canFormatDotenvValue(value)).toBe(false);
      let error: unknown;
      try {
        formatDotenvLine("NAME", value);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidSecretValueError);
      const e = error as InvalidSecretValueError;
      expect(e.code).toBe("INVALID_VALUE");
      expect(e.secret).toBe("NAME");
      expect(e.message).toMatch(reason);
      expect(e.message).not.toContain("SENSITIVE");
      expect(e.message).not.toContain("\n");
    }
  });

  it("round-trips or rejects every one of thousands of random hostile strings", () => {
    const random = prng(20261129);
    const alphabet = [
      "'",
      '"',
      "`",
      "\\",
      "\n",
      "\r",
      " ",
      "\t",
      "#",
      "$",
      "{",
      "}",
      "=",
      ":",
      "a",
      "b",
      "n",
      "r",
      "é",
      "😀",
      "\u2028",
      "\u00a0",
      "export ",
    ];
    let representable = 0;
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      let value = "";
      const length = Math.floor(random() * 12);
      for (let j = 0; j < length; j++) value += alphabet[Math.floor(random() * alphabet.length)];
      if (canFormatDotenvValue(value)) {
        representable++;
        const text = `A='a'\nKEY=${formatDotenvValue(value)}\nZ=it'\n`;
        const reads = { mine: parseDotenv(text).get("KEY"), ...dotenvReads(text, "KEY") };
        expect(reads, JSON.stringify(value)).toEqual({ mine: value, classic: value, fast: value });
        expect(dotenvParse(text).Z).toBe("it'");
        const doc = DotenvDocument.parse("# head\nA=1\nKEY=old\nZ=2\n");
        doc.set("KEY", value);
        expect(dotenvParse(doc.toString()).KEY, JSON.stringify(value)).toBe(value);
        expect(doc.get("KEY")).toBe(value);
      } else {
        rejected++;
        expect(() => formatDotenvValue(value)).toThrow(InvalidSecretValueError);
        const doc = DotenvDocument.parse("A=1\n");
        expect(() => doc.set("KEY", value)).toThrow(InvalidSecretValueError);
        expect(doc.toString()).toBe("A=1\n");
      }
    }
    expect(representable + rejected).toBe(5000);
    expect(rejected).toBeGreaterThan(0);
    expect(representable / 5000).toBeGreaterThan(0.85);
  });
});

describe("formatDotenvLine", () => {
  it("writes NAME=value", () => {
    expect(formatDotenvLine("DATABASE_URL", "postgres://x")).toBe("DATABASE_URL=postgres://x");
  });

  it("rejects keys dotenv cannot read back", () => {
    for (const name of ["", "A B", "A=B", "__proto__", "A\nB", "ü"]) {
      expect(() => formatDotenvLine(name, "v")).toThrow(InvalidSecretNameError);
      expect(isDotenvKey(name)).toBe(false);
    }
    expect(isDotenvKey("A.b-C_1")).toBe(true);
  });
});

describe("DotenvDocument", () => {
  const original = [
    "# Application settings",
    "",
    "export APP_NAME=demo   # inline comment",
    "DATABASE_URL='postgres://db/app'",
    'MULTI="line one',
    'line two"',
    "",
    "  # indented comment",
    "API_KEY=abc123",
    "TRAILING=value",
    "",
  ].join("\n");

  it("returns the text unchanged when nothing is edited", () => {
    expect(DotenvDocument.parse(original).toString()).toBe(original);
    const crlf = original.replace(/\n/g, "\r\n");
    expect(DotenvDocument.parse(crlf).toString()).toBe(crlf);
  });

  it("reads like dotenv", () => {
    const doc = DotenvDocument.parse(original);
    expect(Object.fromEntries(doc.toMap())).toEqual(dotenvParse(original));
    expect(doc.names()).toEqual(["APP_NAME", "DATABASE_URL", "MULTI", "API_KEY", "TRAILING"]);
    expect(doc.get("MULTI")).toBe("line one\nline two");
    expect(doc.has("API_KEY")).toBe(true);
    expect(doc.has("NOPE")).toBe(false);
    expect(doc.get("NOPE")).toBeUndefined();
  });

  it("replaces a value in place, keeping every other byte", () => {
    const doc = DotenvDocument.parse(original);
    doc.set("API_KEY", "new key #2");
    expect(doc.toString()).toBe(original.replace("API_KEY=abc123", "API_KEY='new key #2'"));
  });

  it("keeps the export prefix and the inline comment", () => {
    const doc = DotenvDocument.parse(original);
    doc.set("APP_NAME", "renamed");
    expect(doc.toString()).toBe(original.replace("export APP_NAME=demo   #", "export APP_NAME=renamed   #"));
    expect(dotenvParse(doc.toString()).APP_NAME).toBe("renamed");
  });

  it("replaces a multi-line value with a single-line one and back", () => {
    const doc = DotenvDocument.parse(original);
    doc.set("MULTI", "short");
    expect(doc.toString()).toBe(original.replace('MULTI="line one\nline two"', "MULTI=short"));
    doc.set("MULTI", "a\nb\nc");
    expect(doc.toString()).toBe(original.replace('MULTI="line one\nline two"', "MULTI='a\nb\nc'"));
    expect(dotenvParse(doc.toString()).MULTI).toBe("a\nb\nc");
  });

  it("appends a new key at the end, adding a missing final line break", () => {
    const doc = DotenvDocument.parse(original);
    doc.set("NEW_ONE", "v");
    expect(doc.toString()).toBe(`${original}NEW_ONE=v\n`);
    const bare = DotenvDocument.parse("A=1");
    bare.set("B", "2");
    expect(bare.toString()).toBe("A=1\nB=2\n");
    const empty = DotenvDocument.parse("");
    empty.set("A", "");
    expect(empty.toString()).toBe("A=''\n");
  });

  it("deletes one assignment with its whole line(s)", () => {
    const doc = DotenvDocument.parse(original);
    expect(doc.delete("MULTI")).toBe(true);
    expect(doc.toString()).toBe(original.replace('MULTI="line one\nline two"\n', ""));
    expect(doc.delete("MULTI")).toBe(false);
    expect(doc.delete("APP_NAME")).toBe(true);
    expect(doc.toString()).toBe(
      original
        .replace('MULTI="line one\nline two"\n', "")
        .replace("export APP_NAME=demo   # inline comment\n", ""),
    );
    expect(Object.keys(dotenvParse(doc.toString()))).toEqual(["DATABASE_URL", "API_KEY", "TRAILING"]);
  });

  it("preserves CRLF line endings", () => {
    const crlf = original.replace(/\n/g, "\r\n");
    const doc = DotenvDocument.parse(crlf);
    doc.set("API_KEY", "x y\nz");
    doc.set("ADDED", "1");
    doc.delete("TRAILING");
    expect(doc.toString()).toBe(
      crlf.replace("API_KEY=abc123", "API_KEY='x y\r\nz'").replace("TRAILING=value\r\n", "") + "ADDED=1\r\n",
    );
    expect(dotenvParse(doc.toString())).toMatchObject({ API_KEY: "x y\nz", ADDED: "1" });
  });

  it("writes lone carriage returns in a file that breaks its lines with them", () => {
    const doc = DotenvDocument.parse("# old Mac\rA=1\rB=2\r", { annotationPrefix: "secrets:" });
    expect(doc.lineEnding).toBe("\r");
    doc.set("A", "x\ny", { annotation: "updated=now" });
    doc.set("C", "3", { annotation: "updated=now" });
    expect(doc.toString()).toBe(
      "# old Mac\r# secrets: updated=now\rA='x\ry'\rB=2\r# secrets: updated=now\rC=3\r",
    );
    expect(dotenvParse(doc.toString())).toEqual({ A: "x\ny", B: "2", C: "3" });
    expect(DotenvDocument.parse("A=1\r\nB=2\r").lineEnding).toBe("\r\n");
    expect(DotenvDocument.parse("A=1\nB=2\r").lineEnding).toBe("\n");
  });

  it("keeps a byte-order mark first when an annotation is written above the first line", () => {
    const doc = DotenvDocument.parse("\ufeffA=1\nB=2\n", { annotationPrefix: "secrets:" });
    doc.set("A", "new", { annotation: "updated=now" });
    expect(doc.toString()).toBe("\ufeff# secrets: updated=now\nA=new\nB=2\n");
    expect(doc.annotation("A")).toBe("updated=now");
    expect(dotenvParse(doc.toString())).toEqual({ A: "new", B: "2" });
    doc.set("A", "newer", { annotation: "updated=later" });
    expect(doc.toString()).toBe("\ufeff# secrets: updated=later\nA=newer\nB=2\n");
    doc.set("A", "last", { annotation: null });
    expect(doc.toString()).toBe("\ufeffA=last\nB=2\n");
  });

  it("follows dotenv with duplicate keys: the last one counts, set leaves one, delete removes all", () => {
    const text = "A=first\nB=b\nA=second\n";
    const doc = DotenvDocument.parse(text);
    expect(doc.get("A")).toBe(dotenvParse(text).A);
    doc.set("A", "third");
    expect(doc.toString()).toBe("B=b\nA=third\n");
    const again = DotenvDocument.parse(text);
    expect(again.delete("A")).toBe(true);
    expect(again.toString()).toBe("B=b\n");
    expect(dotenvParse(again.toString()).A).toBeUndefined();
  });

  it("writes, replaces and removes annotations directly above an assignment", () => {
    const doc = DotenvDocument.parse("# keep me\nA=1\nB=2\n", { annotationPrefix: "secrets:" });
    doc.set("B", "3", { annotation: "updated=one" });
    expect(doc.toString()).toBe("# keep me\nA=1\n# secrets: updated=one\nB=3\n");
    expect(doc.annotation("B")).toBe("updated=one");
    expect(doc.annotation("A")).toBeUndefined();
    doc.set("A", "9");
    expect(doc.annotation("B")).toBe("updated=one");
    doc.set("B", "4", { annotation: "updated=two" });
    expect(doc.toString()).toBe("# keep me\nA=9\n# secrets: updated=two\nB=4\n");
    doc.set("B", "5", { annotation: null });
    expect(doc.toString()).toBe("# keep me\nA=9\nB=5\n");
    doc.set("C", "c", { annotation: "updated=three" });
    expect(doc.toString()).toBe("# keep me\nA=9\nB=5\n# secrets: updated=three\nC=c\n");
    expect(doc.delete("C")).toBe(true);
    expect(doc.toString()).toBe("# keep me\nA=9\nB=5\n");
    // A user's ordinary comment above an assignment is not an annotation and survives a delete.
    expect(doc.annotation("A")).toBeUndefined();
    doc.delete("A");
    expect(doc.toString()).toBe("# keep me\nB=5\n");
  });

  it("does not take a line inside a multi-line value for an annotation", () => {
    const text = "X='a\n# secrets: updated=fake'\nA=1\n";
    const doc = DotenvDocument.parse(text, { annotationPrefix: "secrets:" });
    expect(doc.annotation("A")).toBeUndefined();
    doc.delete("A");
    expect(doc.toString()).toBe("X='a\n# secrets: updated=fake'\n");
  });

  it("rejects an unrepresentable value and leaves the document untouched", () => {
    const doc = DotenvDocument.parse(original);
    expect(() => doc.set("API_KEY", ` '"\``)).toThrow(InvalidSecretValueError);
    expect(() => doc.set("bad key", "v")).toThrow(InvalidSecretNameError);
    expect(doc.toString()).toBe(original);
  });

  it("falls back to a safer placement when an in-place edit would disturb a neighbour", () => {
    // dotenv reads B as a separate entry after the line separator; a bare value would swallow it.
    const text = "A='x'\u2028B=2\n";
    const doc = DotenvDocument.parse(text);
    doc.set("A", "bare");
    expect(dotenvParse(doc.toString())).toEqual({ A: "bare", B: "2" });
    expect(doc.get("A")).toBe("bare");
  });

  it("prefers a quoted encoding in place to moving the assignment", () => {
    const doc = DotenvDocument.parse("# secrets: updated=one\nA='x'\u2028B=2\n", {
      annotationPrefix: "secrets:",
    });
    doc.set("A", "bare");
    expect(doc.toString()).toBe("# secrets: updated=one\nA='bare'\u2028B=2\n");
    expect(dotenvParse(doc.toString())).toEqual({ A: "bare", B: "2" });
  });

  it("moves the annotation along when the assignment has to be appended instead", () => {
    // Only a bare encoding can hold this value, and bare would swallow B after the line separator.
    const value = `a'b"c\`d`;
    const doc = DotenvDocument.parse("# secrets: updated=one\nA='x'\u2028B=2\n", {
      annotationPrefix: "secrets:",
    });
    doc.set("A", value);
    expect(doc.toString()).toBe(`\u2028B=2\n# secrets: updated=one\nA=${value}\n`);
    expect(dotenvParse(doc.toString())).toEqual({ A: value, B: "2" });
    expect(doc.annotation("A")).toBe("updated=one");
    expect(doc.annotation("B")).toBeUndefined();
  });

  it("refuses an edit that would change other entries, leaving the document unchanged", () => {
    // X's unterminated quote would swallow any appended line ending in a single quote.
    const text = "X='open\n";
    const doc = DotenvDocument.parse(text);
    let error: unknown;
    try {
      doc.set("A", `x"\`'`);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SecretConfigError);
    expect((error as SecretError).message).not.toContain('x"`');
    expect(doc.toString()).toBe(text);
  });
});

describe("names that are properties of Object.prototype", () => {
  const names = [
    "constructor",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "__defineGetter__",
    "__lookupSetter__",
    "prototype",
  ];

  it("round-trip through format, parse and edit as ordinary keys", () => {
    const text = names.map((name, i) => `${formatDotenvLine(name, `value ${i}`)}\n`).join("");
    const parsed = parseDotenv(text);
    expect([...parsed.keys()]).toEqual(names);
    for (const [i, name] of names.entries()) expect(parsed.get(name)).toBe(`value ${i}`);
    expect(dotenvParse(text).constructor).toBe("value 0");

    const doc = DotenvDocument.parse("A=1\n", { annotationPrefix: "secrets:" });
    for (const name of names) {
      expect(doc.has(name)).toBe(false);
      expect(doc.get(name)).toBeUndefined();
      expect(doc.annotation(name)).toBeUndefined();
      expect(doc.delete(name)).toBe(false);
    }
    for (const [i, name] of names.entries()) doc.set(name, `v${i}`, { annotation: `n=${i}` });
    names.forEach((name, i) => {
      expect(doc.get(name)).toBe(`v${i}`);
      expect(doc.annotation(name)).toBe(`n=${i}`);
    });
    expect(doc.delete("constructor")).toBe(true);
    expect(doc.names()).toEqual(["A", ...names.slice(1)]);
    const reread = parseDotenv(doc.toString());
    expect(reread.size).toBe(names.length);
    expect(Object.fromEntries(reread)).toEqual(dotenvParse(doc.toString()));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("__proto__ is dropped on reading, as dotenv drops it, and refused on writing with a clear error", () => {
    const parsed = parseDotenv("__proto__=x\nconstructor=y\n");
    expect([...parsed.keys()]).toEqual(["constructor"]);
    const doc = DotenvDocument.parse("__proto__=x\n");
    expect(doc.has("__proto__")).toBe(false);
    expect(() => doc.set("__proto__", "v")).toThrow(InvalidSecretNameError);
    expect(doc.toString()).toBe("__proto__=x\n");
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

describe("hostile layouts", () => {
  // Each line start in a run of blank lines used to rescan the rest of the run: a file of
  // 100,000 blank lines took a minute to read. Within the test's time limit only when linear.
  it.each([
    ["blank lines", "\n", "# the end"],
    ["lines of spaces", "  \n", "!"],
    ["CRLF blank lines", "\r\n", "#"],
    ["line separators", "\u2028", "#"],
  ])("reads 200,000 %s followed by a line that is no assignment, as dotenv does", (_label, line, last) => {
    const text = `${line.repeat(200_000)}${last}\nA=1\n# note\n${line.repeat(200_000)}${last}\nB=2\n`;
    expect(Object.fromEntries(parseDotenv(text))).toEqual({ A: "1", B: "2" });
    const document = DotenvDocument.parse(text);
    document.set("C", "3");
    expect(document.get("C")).toBe("3");
    expect(document.toString().startsWith(text)).toBe(true);
  });

  it("agrees with dotenv on blank runs between assignments and comments", () => {
    for (const text of [
      "\n\n\nA=1\n\n\n# c\n\n\nB=2\n\n",
      "  \n\t\nA=1  \n  \n#\n  B=2",
      "A='x\n\n\n#\n'\n\nB=2",
      "\u2028A=1\u2029\u2029B=2\u2028#",
      "\ufeffA=1\n\ufeff\nB=2",
    ])
      expectSameAsDotenv(text);
  });
});

describe("size limits", () => {
  it("refuses text over maxLength before scanning it, naming the limit and not the content", () => {
    const text = `SECRET=${"s".repeat(100)}\n`;
    for (const parse of [
      () => parseDotenv(text, { maxLength: 64 }),
      () => DotenvDocument.parse(text, { maxLength: 64 }),
    ]) {
      let error: unknown;
      try {
        parse();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SecretConfigError);
      expect((error as Error).message).toBe(
        `The dotenv text is ${text.length} characters long, over the limit of 64 characters`,
      );
      expect((error as Error).message).not.toContain("sss");
    }
    expect(parseDotenv(text, { maxLength: text.length }).get("SECRET")).toHaveLength(100);
  });

  it("a quote spanning more than the grammar can follow is refused naming its line, not with a stack overflow", () => {
    const long = "x".repeat(12 * 1024 * 1024);
    for (const [text, line] of [
      [`A=1\nB="${long}"\n`, 2],
      [`# note\n\nC='${long}\n`, 3],
    ] as const) {
      for (const parse of [() => parseDotenv(text), () => DotenvDocument.parse(text)]) {
        let error: unknown;
        try {
          parse();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(SecretConfigError);
        expect((error as Error).message).toBe(
          `The dotenv text cannot be read: the quoted value on line ${line} spans more characters than the dotenv grammar can follow (about 8 million); shorten it, or close its quote`,
        );
      }
    }
    // Writing such a value is refused the same way, leaving the document as it was.
    const document = DotenvDocument.parse("A=1\n");
    expect(() => document.set("B", `${long}\n`)).toThrow(SecretConfigError);
    expect(document.toString()).toBe("A=1\n");
  });

  it("the default limit is 16 MiB", () => {
    const big = `A=${"x".repeat(16 * 1024 * 1024)}`;
    expect(() => parseDotenv(big)).toThrow(/over the limit of 16777216 characters/);
    expect(parseDotenv(big.slice(0, 16 * 1024 * 1024)).get("A")).toHaveLength(16 * 1024 * 1024 - 2);
  });
});
