import { afterEach, describe, expect, it } from "vitest";
import {
  clearRedactions,
  createLogger,
  REDACTED,
  REDACTION_FAILED,
  registerSecretValue,
} from "../src/index.js";

/** Core's process-wide slots; the redaction registry is the slot `redaction`. */
const SLOTS = Symbol.for("@org/secrets-core");
type Slot = { version: number; value: object };
const slots = () =>
  (globalThis as unknown as Record<symbol, Record<string, Slot>>)[SLOTS] as Record<string, Slot>;
afterEach(() => clearRedactions());

describe("logger scrubbing", () => {
  it("writes one JSON object per line, every field scrubbed, even with newlines and hostile keys", () => {
    const secret = "json-line-secret-0001";
    registerSecretValue(secret);
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", format: "json", write: (l) => lines.push(l) });
    const thrown = new Error(`connect failed for ${secret}\nsecond line`);
    logger.error(`failed:\n${secret}`, {
      error: String(thrown),
      stack: String(thrown.stack),
      level: "fake",
      ["__proto__" as string]: secret,
    });
    logger.warn("with an Error object", { error: thrown as unknown as string });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain("\n");
      expect(line).not.toContain(secret);
      const parsed = JSON.parse(line);
      expect(typeof parsed).toBe("object");
    }
    const first = JSON.parse(lines[0] as string);
    expect(first.level).toBe("error");
    expect(first.level_).toBe("fake");
    expect(first.error).toContain(REDACTED);
    expect(JSON.parse(lines[1] as string).error).toBe(`Error: connect failed for ${REDACTED}\nsecond line`);
  });

  it("escapes control characters in text lines, so a message cannot forge a line", () => {
    const lines: string[] = [];
    createLogger({ level: "info", write: (l) => lines.push(l) }).info(
      "one\n2026-01-01T00:00:00.000Z ERROR forged",
      {
        note: "a\nb",
      },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
  });

  it("writes the generic line, never the raw one, when scrubbing fails", () => {
    const secret = "never-logged-secret-42";
    createLogger({ write: () => {} }).error("create the registry");
    const real = slots().redaction as Slot;
    slots().redaction = {
      version: real.version,
      value: {
        register() {},
        clear() {},
        scrub() {
          throw new Error(secret);
        },
      },
    };
    const lines: string[] = [];
    try {
      createLogger({ level: "info", format: "json", write: (l) => lines.push(l) }).error(`boom ${secret}`, {
        error: secret,
      });
      createLogger({ level: "info", write: (l) => lines.push(l) }).error(`boom ${secret}`);
    } finally {
      slots().redaction = real;
    }
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: "error", msg: REDACTION_FAILED });
    expect(lines[1]).toMatch(/ERROR \[message withheld: redaction failed\]$/);
    for (const line of lines) expect(line).not.toContain(secret);
  });
});
