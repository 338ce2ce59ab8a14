import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseDotenv } from "../src/dotenv/index.js";
import { EXPORT_FORMATS, formatSecrets } from "../src/index.js";

const NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty"];

function entriesAsObject(): Record<string, string> {
  const object: Record<string, string> = Object.create(null);
  for (const name of NAMES) object[name] = `value of ${name}`;
  return object;
}

/** What each format reads back as, into a null-prototype object. */
function readBack(format: string, text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (format === "json") for (const [k, v] of Object.entries(JSON.parse(text))) out[k] = v as string;
  if (format === "env") for (const [k, v] of parseDotenv(text)) out[k] = v;
  // (the dotenv package itself assigns keys to a plain object, so it cannot read __proto__ back)
  if (format === "yaml") for (const [k, v] of Object.entries(parseYaml(text) as object)) out[k] = v as string;
  if (format === "shell")
    for (const line of text.trim().split("\n")) {
      const match = /^export ([^=]+)='(.*)'$/.exec(line);
      if (match?.[1] !== undefined && match[2] !== undefined) out[match[1]] = match[2];
    }
  return out;
}

describe("names that are Object.prototype's own", () => {
  for (const format of EXPORT_FORMATS) {
    it(`${format}: __proto__, constructor and friends export as ordinary entries, from a Map or an object`, () => {
      // The dotenv codec refuses __proto__ (the dotenv package drops it when reading): tested below.
      const names = format === "env" ? NAMES.filter((n) => n !== "__proto__") : NAMES;
      const fromMap = formatSecrets(new Map(names.map((n) => [n, `value of ${n}`])), format);
      const object = entriesAsObject();
      if (format === "env") Reflect.deleteProperty(object, "__proto__");
      const fromObject = formatSecrets(object, format);
      expect(fromObject).toBe(fromMap);
      const back = readBack(format, fromMap);
      expect(Object.keys(back)).toEqual(names);
      for (const name of names) expect(back[name]).toBe(`value of ${name}`);
    });
  }

  it("env: __proto__ is refused with an error naming it, never silently dropped", () => {
    expect(() => formatSecrets(entriesAsObject(), "env")).toThrow(/Invalid secret name '__proto__'/);
  });
});
