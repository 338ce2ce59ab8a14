import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clearRedactions, REDACTED, REDACTION_FAILED, redact, registerSecretValue } from "../src/index.js";

/** Core's process-wide slots; the redaction registry is the slot `redaction`. */
const SLOTS = Symbol.for("@org/secrets-core");
type Slot = { version: number; value: { scrub: unknown } };
const slots = () =>
  (globalThis as unknown as Record<symbol, Record<string, Slot>>)[SLOTS] as Record<string, Slot>;
const random = (length: number) => randomBytes(length).toString("base64url").slice(0, length);

beforeEach(() => clearRedactions());
afterEach(() => clearRedactions());

describe("redaction", () => {
  it("scrubs a remembered value wherever it occurs, and leaves other text alone", () => {
    const secret = `s3cr3t-${random(20)}`;
    registerSecretValue(secret);
    expect(redact(`before ${secret} after`)).toBe(`before ${REDACTED} after`);
    expect(redact(`${secret}${secret}`)).toBe(REDACTED);
    expect(redact("nothing secret in this line at all")).toBe("nothing secret in this line at all");
    expect(redact("")).toBe("");
  });

  it("handles values full of regular-expression metacharacters literally", () => {
    const secret = ["a.*+?^$", "{}()|[]\\/b-(x|y)*$"].join("");
    registerSecretValue(secret);
    expect(redact(`value=${secret};`)).not.toContain(secret);
    expect(redact(`value=${secret};`)).toContain(REDACTED);
    // Not interpreted as a pattern: text the "pattern" would match stays.
    expect(redact("aXXXXXXXXb-x")).toBe("aXXXXXXXXb-x");
  });

  it("scrubs 100 KB values, whole and in fragments", () => {
    const big = random(100 * 1024);
    registerSecretValue(big);
    const out = redact(`start ${big} end`);
    expect(out).toBe(`start ${REDACTED} end`);
    const fragment = big.slice(50_000, 50_040);
    expect(redact(`x ${fragment} y`)).not.toContain(fragment.slice(8, 32));
    expect(redact(`prefix:${big.slice(0, 16)}…`)).toBe(`prefix:${REDACTED}…`);
  });

  it("remembers 5,000 values and scrubs each of them", () => {
    const values = Array.from({ length: 5000 }, (_, i) => `value-${i}-${random(24)}`);
    for (const value of values) registerSecretValue(value);
    const line = values.filter((_, i) => i % 250 === 0).join(" | ");
    const out = redact(line);
    for (const value of values.filter((_, i) => i % 250 === 0)) expect(out).not.toContain(value);
    expect(out.split(REDACTED)).toHaveLength(21);
  });

  it("scrubs overlapping and nested values completely", () => {
    const a = "OVERLAP-aaaa-bbbb-cccc";
    const b = "cccc-dddd-eeee-ffff-END";
    const inner = "bbbb-cccc-dd";
    registerSecretValue(a);
    registerSecretValue(b);
    registerSecretValue(inner);
    const text = "x OVERLAP-aaaa-bbbb-cccc-dddd-eeee-ffff-END y";
    const out = redact(text);
    expect(out).toBe(`x ${REDACTED} y`);
  });

  it("scrubs the common encodings of a value", () => {
    const secret = 'p@ss w0rd/"quoted"+plus=é-ünï-çødé';
    registerSecretValue(secret);
    const bytes = Buffer.from(secret, "utf8");
    const forms = {
      json: JSON.stringify(secret).slice(1, -1),
      jsonAscii: JSON.stringify(secret)
        .slice(1, -1)
        .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
      url: encodeURIComponent(secret),
      urlLower: encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
      form: encodeURIComponent(secret).replace(/%20/g, "+"),
      base64: bytes.toString("base64"),
      base64url: bytes.toString("base64url"),
      upper: secret.toUpperCase(),
      lower: secret.toLowerCase(),
      inLongerBase64: Buffer.concat([Buffer.from('{"k":"'), bytes, Buffer.from('"}')]).toString("base64"),
    };
    for (const [label, form] of Object.entries(forms)) {
      if (label === "jsonAscii") continue; // \u-escaped non-ASCII is not one of the forms: checked below
      const out = redact(`echo: ${form} .`);
      expect(out, label).toContain(REDACTED);
      expect(out, label).not.toContain(form.slice(2, 18));
    }
    // Truncated: a long prefix of the value, as a backend's error might show it.
    const long = random(64);
    registerSecretValue(long);
    expect(redact(`value '${long.slice(0, 20)}...' too long`)).toBe(`value '${REDACTED}...' too long`);
    expect(redact(`…${long.slice(30, 52)}…`)).not.toContain(long.slice(33, 49));
  });

  it("scrubs a value as Node's own messages quote it, control characters and quotes escaped", async () => {
    const { inspect } = await import("node:util");
    const values = [
      `hunter2-${random(12)}\x00`,
      `it's\x00${random(16)}`,
      `tab\tnew\nline\x07${random(10)}`,
      `back\\slash"quote'both\x1b${random(10)}`,
      `del\x7fc1\x85${random(12)}`,
    ];
    for (const value of values) registerSecretValue(value);
    for (const value of values) {
      const quoted = inspect(value);
      expect(quoted).not.toContain(value);
      const out = redact(
        `The argument 'options.env['A']' must be a string without null bytes. Received ${quoted}`,
      );
      expect(out).toContain(REDACTED);
      // No run of the value's own characters survives (its random part is at least 10 characters).
      const random10 = value.match(/[\w-]{10,}/g) ?? [];
      for (const part of random10) expect(out).not.toContain(part.slice(-10));
    }
    // A value with nothing to escape keeps its one plain form: inspect is not asked.
    const plain = `plain-${random(20)}`;
    registerSecretValue(plain);
    expect(redact(`Received '${plain}'`)).toBe(`Received '${REDACTED}'`);
  });

  it("scrubs short values only as whole tokens, and never values under 4 characters", () => {
    registerSecretValue("abc");
    registerSecretValue("k3y9");
    registerSecretValue("pw12345");
    registerSecretValue("eight888");
    expect(redact("abc abc")).toBe("abc abc");
    expect(redact("k3y9 xk3y9 k3y9x k3y9.")).toBe(`${REDACTED} xk3y9 k3y9x ${REDACTED}.`);
    expect(redact('{"password":"pw12345"}')).toBe(`{"password":"${REDACTED}"}`);
    expect(redact("inpw12345side")).toBe("inpw12345side");
    // From 8 characters on, anywhere.
    expect(redact("xxeight888yy")).toBe(`xx${REDACTED}yy`);
  });

  it("scrubs values a request carried, passed as the second argument", () => {
    const carried = `carried-${random(16)}`;
    expect(redact(`writing ${carried} failed`)).toBe(`writing ${carried} failed`);
    expect(redact(`writing ${carried} failed`, [carried])).toBe(`writing ${REDACTED} failed`);
    expect(redact(`writing ${carried} failed`, [])).toBe(`writing ${carried} failed`);
    // Not remembered by the call.
    expect(redact(`writing ${carried} failed`)).toBe(`writing ${carried} failed`);
  });

  it("forgets the older generation when full, keeping memory bounded, and still scrubs the newest", () => {
    const first = `first-${random(32)}`;
    registerSecretValue(first);
    let last = "";
    for (let i = 0; i < 12_000; i++) {
      last = `v${i}-${random(40)}`;
      registerSecretValue(last);
    }
    expect(redact(`x ${last} y`)).toBe(`x ${REDACTED} y`);
    expect(redact(`x ${first} y`)).toBe(`x ${first} y`);
    // Passing through again remembers it again.
    registerSecretValue(first);
    expect(redact(`x ${first} y`)).toBe(`x ${REDACTED} y`);
  });

  it("never returns the raw text when scrubbing fails", () => {
    const secret = `never-shown-${random(16)}`;
    redact("make sure the registry exists");
    const real = slots().redaction as Slot;
    const registry = real.value;
    const original = registry.scrub;
    slots().redaction = {
      version: real.version,
      value: {
        ...registry,
        scrub() {
          throw new Error(`scrub failed on ${secret}`);
        },
      },
    };
    try {
      expect(redact(`the secret is ${secret}`)).toBe(REDACTION_FAILED);
    } finally {
      slots().redaction = real;
    }
    expect(registry.scrub).toBe(original);
    expect(redact("fine again")).toBe("fine again");
  });

  it("keeps working when remembered values total megabytes (no pattern built from them)", () => {
    const values = Array.from({ length: 40 }, () => random(64 * 1024));
    for (const value of values) registerSecretValue(value);
    // The newest values are certainly in the current generation.
    const sample = values[39] as string;
    const out = redact(`begin ${sample.slice(1000, 1200)} end`);
    expect(out).toBe(`begin ${REDACTED} end`);
    expect(out).not.toBe(REDACTION_FAILED);
  });
});
