import { SecretConfigError } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { sampleString } from "../src/generators.js";
import {
  DEFAULT_GENERATOR_LENGTHS,
  GENERATOR_KINDS,
  type GeneratorOptions,
  generateSecret,
  generatorEntropyBits,
  MIN_ENTROPY_BITS,
  PASSWORD_SYMBOLS,
  resolveGenerator,
} from "../src/index.js";

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";

describe("generateSecret", () => {
  it("produces each kind with its default length and alphabet", () => {
    expect(generateSecret({ kind: "hex" })).toMatch(/^[0-9a-f]{64}$/);
    expect(generateSecret({ kind: "base64url" })).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateSecret({ kind: "alphanumeric" })).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(generateSecret({ kind: "password" })).toHaveLength(43);
    expect(generateSecret({ kind: "uuid" })).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("honours a configured length", () => {
    expect(generateSecret({ kind: "hex", length: 128 })).toMatch(/^[0-9a-f]{128}$/);
    expect(generateSecret({ kind: "base64url", length: 64 })).toHaveLength(64);
    expect(generateSecret({ kind: "alphanumeric", length: 100 })).toHaveLength(100);
    expect(generateSecret({ kind: "password", length: 64 })).toHaveLength(64);
  });

  it("gives every password at least one character of each enabled class", () => {
    const classes = [LOWER, UPPER, DIGITS, PASSWORD_SYMBOLS];
    const allowed = new Set(classes.join(""));
    for (let i = 0; i < 500; i++) {
      // Short enough that a class would often be absent without the guarantee.
      const password = generateSecret({ kind: "password", length: 24 });
      expect(password).toHaveLength(24);
      for (const chars of classes) expect([...password].some((c) => chars.includes(c))).toBe(true);
      for (const c of password) expect(allowed.has(c)).toBe(true);
    }
  });

  it("leaves out disabled classes", () => {
    for (let i = 0; i < 100; i++) {
      expect(generateSecret({ kind: "password", symbols: false })).toMatch(/^[A-Za-z0-9]{43}$/);
      expect(
        generateSecret({ kind: "password", lower: false, upper: false, symbols: false, length: 40 }),
      ).toMatch(/^[0-9]{40}$/);
    }
  });

  it("uses only symbols that are safe in shells, dotenv files and URLs", () => {
    for (const forbidden of ["'", '"', "`", "\\", "$", "#", " ", "%", "@", "/", ":", "!", "*", "?", "&", ";"])
      expect(PASSWORD_SYMBOLS).not.toContain(forbidden);
    expect(PASSWORD_SYMBOLS.length).toBeGreaterThan(0);
    const password = generateSecret({ kind: "password", length: 200 });
    expect(encodeURIComponent(password).replace(/%2B|%2C|%3D/g, "")).not.toContain("%");
  });

  it("never repeats a value", () => {
    for (const kind of GENERATOR_KINDS) {
      const values = new Set(Array.from({ length: 1000 }, () => generateSecret({ kind })));
      expect(values.size).toBe(1000);
    }
  });

  it("draws characters uniformly (chi-square smoke test over 86,000 characters)", () => {
    const alphabet = `${UPPER}${LOWER}${DIGITS}`;
    const counts = new Map<string, number>([...alphabet].map((c) => [c, 0]));
    const samples = 2000;
    for (let i = 0; i < samples; i++)
      for (const c of generateSecret({ kind: "alphanumeric" })) counts.set(c, (counts.get(c) ?? 0) + 1);
    const total = samples * 43;
    const expected = total / alphabet.length;
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(total);
    let chiSquare = 0;
    for (const count of counts.values()) {
      // Each character within ±15% of its expected count (about 5.7 standard deviations).
      expect(Math.abs(count - expected) / expected).toBeLessThan(0.15);
      chiSquare += (count - expected) ** 2 / expected;
    }
    // 61 degrees of freedom: mean 61, standard deviation 11; 150 is beyond any plausible chance.
    expect(chiSquare).toBeLessThan(150);
  });
});

describe("sampleString", () => {
  it("rejects bytes above the largest multiple of the alphabet size instead of folding them (no modulo bias)", () => {
    const alphabet = `${UPPER}${LOWER}${DIGITS}`; // 62 characters: bytes 248–255 must be thrown away
    const queue = [248, 255, 0, 61, 62, 247, 250];
    const random = (size: number) => Uint8Array.from(queue.splice(0, size));
    expect(sampleString(alphabet, 4, random)).toBe(
      `${alphabet[0]}${alphabet[61]}${alphabet[0]}${alphabet[61]}`,
    );
  });

  it("samples an alphabet beyond Latin-1 the same way", () => {
    const queue = [0, 255, 1, 2, 3];
    const random = (size: number) => Uint8Array.from(queue.splice(0, size));
    // Three characters: byte 255 is at or above 255 (the largest multiple of 3) and thrown away.
    expect(sampleString("αβγ", 4, random)).toBe("αβγα");
  });

  it("keeps asking the source until it has enough accepted bytes", () => {
    let calls = 0;
    const random = (size: number) => {
      calls++;
      // The first batch is all rejected bytes.
      return calls === 1 ? new Uint8Array(size).fill(255) : new Uint8Array(size).fill(5);
    };
    expect(sampleString("0123456789", 8, random)).toBe("55555555");
    expect(calls).toBe(2);
  });

  it("gives up with an error, not an endless loop, on a source that never gives a usable byte", () => {
    const sources: Array<(size: number) => Uint8Array> = [
      (size) => new Uint8Array(size).fill(255),
      () => new Uint8Array(0),
    ];
    for (const random of sources) {
      let calls = 0;
      const counted = (size: number) => {
        calls++;
        return random(size);
      };
      expect(() => sampleString("0123456789", 8, counted)).toThrow(/random source gave no usable byte/);
      expect(() => sampleString("αβγ", 4, counted)).toThrow(/random source gave no usable byte/);
      expect(() => generateSecret({ kind: "password" }, counted)).toThrow(
        /random source gave no usable byte/,
      );
      expect(calls).toBe(3 * 65);
    }
  });
});

describe("entropy", () => {
  it("carries at least 256 bits in every default, computed from alphabet size and length", () => {
    const alphabetSizes = { hex: 16, base64url: 64, alphanumeric: 62 } as const;
    for (const [kind, size] of Object.entries(alphabetSizes)) {
      const length = DEFAULT_GENERATOR_LENGTHS[kind as keyof typeof alphabetSizes];
      const bits = length * Math.log2(size);
      expect(bits).toBeGreaterThanOrEqual(256);
      expect(generatorEntropyBits({ kind: kind as keyof typeof alphabetSizes })).toBeCloseTo(bits, 9);
    }
    const passwordAlphabet = 26 + 26 + 10 + PASSWORD_SYMBOLS.length;
    const upperBound = DEFAULT_GENERATOR_LENGTHS.password * Math.log2(passwordAlphabet);
    const passwordBits = generatorEntropyBits({ kind: "password" });
    // Requiring every class removes a few strings, so the count is a little below the plain bound.
    expect(passwordBits).toBeGreaterThanOrEqual(256);
    expect(passwordBits).toBeLessThan(upperBound);
    expect(upperBound - passwordBits).toBeLessThan(1);
  });

  it("counts a password's class rule exactly", () => {
    // Length 2 over digits+symbols: strings with one digit and one symbol, in either order.
    const count = 2 * 10 * PASSWORD_SYMBOLS.length;
    expect(
      generatorEntropyBits({
        kind: "password",
        length: 2,
        lower: false,
        upper: false,
        digits: true,
        symbols: true,
      }),
    ).toBeCloseTo(Math.log2(count), 9);
  });

  it("rejects a configured length that gives fewer than 128 bits", () => {
    const cases: Array<[GeneratorOptions, number]> = [
      [{ kind: "hex", length: 31 }, 32],
      [{ kind: "base64url", length: 21 }, 22],
      [{ kind: "alphanumeric", length: 21 }, 22],
      [{ kind: "password", length: 38, lower: false, upper: false, symbols: false }, 39],
      [{ kind: "password", length: 16 }, 22],
    ];
    for (const [options, minimum] of cases) {
      let error: unknown;
      try {
        resolveGenerator(options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SecretConfigError);
      expect((error as SecretConfigError).code).toBe("INVALID_CONFIG");
      expect((error as Error).message).toContain(`at least ${minimum}`);
      expect((error as Error).message).toContain(`${MIN_ENTROPY_BITS} bits`);
      expect(() => resolveGenerator({ ...options, length: minimum })).not.toThrow();
      expect(generatorEntropyBits({ ...options, length: minimum })).toBeGreaterThanOrEqual(MIN_ENTROPY_BITS);
    }
  });

  it("rejects options a kind does not take and impossible settings", () => {
    const bad: Array<[GeneratorOptions, RegExp]> = [
      [
        { kind: "hax" as never },
        /Unknown generator kind "hax": use hex, base64url, alphanumeric, password, uuid/,
      ],
      [{ kind: "uuid", length: 40 }, /uuid takes no length/],
      [{ kind: "hex", symbols: true }, /hex takes no symbols option/],
      [{ kind: "hex", length: 0 }, /Invalid length 0/],
      [{ kind: "hex", length: 64.5 }, /Invalid length 64.5/],
      [{ kind: "hex", length: 5000 }, /from 1 to 4096/],
      // Not JSON's `null` for numbers JSON cannot write.
      [{ kind: "hex", length: Number.NaN }, /Invalid length NaN for generator hex/],
      [{ kind: "hex", length: Number.POSITIVE_INFINITY }, /Invalid length Infinity for generator hex/],
      [{ kind: "hex", length: -1 }, /Invalid length -1 for generator hex/],
      [{ kind: "hex", length: "64" as never }, /Invalid length "64" for generator hex/],
      [{ kind: "password", lower: false, upper: false, digits: false, symbols: false }, /at least one of/],
    ];
    for (const [options, message] of bad) expect(() => resolveGenerator(options)).toThrow(message);
  });

  it("fills in defaults", () => {
    expect(resolveGenerator({ kind: "password" })).toEqual({
      kind: "password",
      length: 43,
      lower: true,
      upper: true,
      digits: true,
      symbols: true,
    });
    expect(resolveGenerator({ kind: "hex" })).toEqual({ kind: "hex", length: 64 });
    expect(resolveGenerator({ kind: "uuid" })).toEqual({ kind: "uuid" });
  });
});
