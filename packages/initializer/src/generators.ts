/** Secure generators: the kinds a manifest may name, their defaults and entropy, and the values they make. */
import type * as Crypto from "node:crypto";
import { SecretConfigError } from "@org/secrets-core";

/** `node:crypto`, loaded when a value is generated: `health`, which loads this package, never needs it. */
const crypto = (): typeof Crypto => process.getBuiltinModule("node:crypto");

/** How a secret value is generated. */
export type GeneratorKind = "hex" | "base64url" | "alphanumeric" | "password" | "uuid";

export const GENERATOR_KINDS: readonly GeneratorKind[] = Object.freeze([
  "hex",
  "base64url",
  "alphanumeric",
  "password",
  "uuid",
]);

/** What a manifest or a caller asks for; omitted options take their defaults. */
export interface GeneratorOptions {
  kind: GeneratorKind;
  /** Number of characters (not for `uuid`). */
  length?: number | undefined;
  /** `password` only: include lowercase letters (default `true`). */
  lower?: boolean | undefined;
  /** `password` only: include uppercase letters (default `true`). */
  upper?: boolean | undefined;
  /** `password` only: include digits (default `true`). */
  digits?: boolean | undefined;
  /** `password` only: include symbols from `PASSWORD_SYMBOLS` (default `true`). */
  symbols?: boolean | undefined;
}

/** A validated generator with every default filled in. */
export type GeneratorSpec =
  | { readonly kind: "hex" | "base64url" | "alphanumeric"; readonly length: number }
  | {
      readonly kind: "password";
      readonly length: number;
      readonly lower: boolean;
      readonly upper: boolean;
      readonly digits: boolean;
      readonly symbols: boolean;
    }
  | { readonly kind: "uuid" };

/**
 * Symbols a `password` may contain. Each one can stand unquoted in a POSIX shell
 * assignment, a dotenv file and the password part of a connection URL: no quotes,
 * backtick, backslash, `$`, `#`, space, glob or history characters, `%`, `@`, `/`
 * or `:`.
 */
export const PASSWORD_SYMBOLS = "-_.+,=";

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";

const ALPHABETS = {
  hex: "0123456789abcdef",
  base64url: `${UPPER}${LOWER}${DIGITS}-_`,
  alphanumeric: `${UPPER}${LOWER}${DIGITS}`,
} as const;

/** Default lengths: each gives at least 256 bits of entropy. */
export const DEFAULT_GENERATOR_LENGTHS: Readonly<Record<Exclude<GeneratorKind, "uuid">, number>> =
  Object.freeze({
    hex: 64,
    base64url: 43,
    alphanumeric: 43,
    password: 43,
  });

/** A configured length that gives fewer bits than this is refused. */
export const MIN_ENTROPY_BITS = 128;

/** Longest value a generator produces. */
export const MAX_GENERATED_LENGTH = 4096;

/** A random (version 4) UUID carries 122 random bits. */
const UUID_ENTROPY_BITS = 122;

const PASSWORD_CLASSES = ["lower", "upper", "digits", "symbols"] as const;
type PasswordClass = (typeof PASSWORD_CLASSES)[number];
const CLASS_CHARS: Readonly<Record<PasswordClass, string>> = {
  lower: LOWER,
  upper: UPPER,
  digits: DIGITS,
  symbols: PASSWORD_SYMBOLS,
};

/** A source of random bytes; the system's CSPRNG (see `systemRandom`) unless a test supplies one. */
export type RandomSource = (size: number) => Uint8Array;

/** Bytes drawn from the CSPRNG at once for small requests: about 56 hex values of 64 characters. */
const RANDOM_BLOCK = 4096;
let randomBlock: Uint8Array | undefined;
/** The bytes handed out last, `[randomHanded, randomTaken)`, wiped at the next request. */
let randomHanded = RANDOM_BLOCK;
let randomTaken = RANDOM_BLOCK;

/**
 * `size` bytes from `node:crypto`'s CSPRNG. Small requests are served from a
 * block drawn at once (as `randomUUID` does), so generating a thousand values
 * costs a few calls into the CSPRNG instead of one each. Every byte is handed
 * out once, as a view its caller reads at once (`sampleString` does), and
 * wiped at the next request.
 */
function systemRandom(size: number): Uint8Array {
  if (size > RANDOM_BLOCK / 8) return crypto().randomBytes(size);
  randomBlock ??= new Uint8Array(RANDOM_BLOCK);
  randomBlock.fill(0, randomHanded, randomTaken);
  if (randomTaken + size > RANDOM_BLOCK) {
    crypto().randomFillSync(randomBlock);
    randomTaken = 0;
  }
  randomHanded = randomTaken;
  randomTaken += size;
  return randomBlock.subarray(randomHanded, randomTaken);
}

/**
 * Validate generator options and fill in defaults. Throws a `SecretConfigError`
 * for an unknown kind, an option the kind does not take, a length that is not a
 * whole number in range, or one that gives fewer than `MIN_ENTROPY_BITS` bits.
 */
export function resolveGenerator(options: GeneratorOptions): GeneratorSpec {
  const kind = options.kind;
  if (!(GENERATOR_KINDS as readonly string[]).includes(kind)) {
    throw new SecretConfigError(
      `Unknown generator kind ${JSON.stringify(kind)}: use ${GENERATOR_KINDS.join(", ")}`,
      { field: "kind" },
    );
  }
  if (kind === "uuid") {
    const extra = (["length", ...PASSWORD_CLASSES] as const).find((key) => options[key] !== undefined);
    if (extra) throw new SecretConfigError(`Generator uuid takes no ${extra} option`, { field: extra });
    return { kind };
  }
  if (kind !== "password") {
    const extra = PASSWORD_CLASSES.find((key) => options[key] !== undefined);
    if (extra)
      throw new SecretConfigError(
        `Generator ${kind} takes no ${extra} option: character classes apply to kind password`,
        { field: extra },
      );
  }
  const length = options.length ?? DEFAULT_GENERATOR_LENGTHS[kind];
  if (!Number.isInteger(length) || length < 1 || length > MAX_GENERATED_LENGTH) {
    throw new SecretConfigError(
      `Invalid length ${typeof options.length === "number" ? String(options.length) : JSON.stringify(options.length)} for generator ${kind}: use a whole number from 1 to ${MAX_GENERATED_LENGTH}`,
      { field: "length" },
    );
  }
  let spec: GeneratorSpec;
  if (kind === "password") {
    for (const key of PASSWORD_CLASSES) {
      const value = options[key];
      if (value !== undefined && typeof value !== "boolean")
        throw new SecretConfigError(`Invalid ${key} for generator password: use true or false`, {
          field: key,
        });
    }
    spec = {
      kind,
      length,
      lower: options.lower ?? true,
      upper: options.upper ?? true,
      digits: options.digits ?? true,
      symbols: options.symbols ?? true,
    };
    const enabled = enabledClasses(spec);
    if (enabled.length === 0)
      throw new SecretConfigError(
        "Generator password needs at least one of lower, upper, digits or symbols",
        {
          field: "lower",
        },
      );
    if (length < enabled.length)
      throw new SecretConfigError(
        `Length ${length} is too short for generator password: it must hold one character of each of ${enabled.join(", ")}`,
        { field: "length" },
      );
  } else {
    spec = { kind, length };
  }
  const bits = generatorEntropyBits(spec);
  if (bits < MIN_ENTROPY_BITS) {
    const needed = minimumLength(spec);
    throw new SecretConfigError(
      `Length ${length} gives generator ${kind} only ${Math.floor(bits)} bits of entropy; use a length of at least ${needed} (${MIN_ENTROPY_BITS} bits)`,
      { field: "length" },
    );
  }
  return spec;
}

/**
 * Bits of entropy of a generated value: log2 of the number of values the
 * generator can produce, all equally likely. For `password` this counts only
 * the strings that hold a character of every enabled class.
 */
export function generatorEntropyBits(generator: GeneratorSpec | GeneratorOptions): number {
  if (generator.kind === "uuid") return UUID_ENTROPY_BITS;
  const length = generator.length ?? DEFAULT_GENERATOR_LENGTHS[generator.kind];
  if (generator.kind !== "password") return length * Math.log2(ALPHABETS[generator.kind].length);
  const sizes = PASSWORD_CLASSES.filter((key) => generator[key] ?? true).map(
    (key) => CLASS_CHARS[key].length,
  );
  // Counting the strings takes big-integer powers: each shape is counted once per process.
  const key = `${sizes.join(",")}:${length}`;
  let bits = passwordBits.get(key);
  if (bits === undefined) {
    bits = log2BigInt(countCoveringStrings(sizes, length));
    if (passwordBits.size >= MAX_PASSWORD_SHAPES) passwordBits.clear();
    passwordBits.set(key, bits);
  }
  return bits;
}

/** Entropy of the password shapes seen so far (classes and length), at most `MAX_PASSWORD_SHAPES` of them. */
const passwordBits = new Map<string, number>();
const MAX_PASSWORD_SHAPES = 256;

/** A new random value, drawn uniformly from everything the generator can produce. */
export function generateSecret(
  generator: GeneratorSpec | GeneratorOptions,
  random: RandomSource = systemRandom,
): string {
  const spec = resolvedGenerator(generator);
  switch (spec.kind) {
    case "uuid":
      return crypto().randomUUID();
    case "password":
      return generatePassword(spec, random);
    default:
      return sampleString(ALPHABETS[spec.kind], spec.length, random);
  }
}

/** Generator options already resolved, by the frozen object they came in (a manifest's are frozen). */
const resolvedGenerators = new WeakMap<object, GeneratorSpec>();

/** `resolveGenerator`, once per frozen options object: it cannot have changed since. */
function resolvedGenerator(generator: GeneratorSpec | GeneratorOptions): GeneratorSpec {
  if (generator === null || typeof generator !== "object" || !Object.isFrozen(generator))
    return resolveGenerator(generator);
  let spec = resolvedGenerators.get(generator);
  if (spec === undefined) {
    spec = resolveGenerator(generator);
    resolvedGenerators.set(generator, spec);
  }
  return spec;
}

/** A short description for messages and logs: `hex, 64 characters (256 bits)`. */
export function describeGenerator(spec: GeneratorSpec): string {
  const bits = Math.floor(generatorEntropyBits(spec));
  if (spec.kind === "uuid") return `uuid (${bits} bits)`;
  if (spec.kind === "password") {
    const classes = enabledClasses(spec).join("+");
    return `password, ${spec.length} characters of ${classes} (${bits} bits)`;
  }
  return `${spec.kind}, ${spec.length} characters (${bits} bits)`;
}

/**
 * `length` characters drawn independently and uniformly from `alphabet`.
 * Bytes at or above the largest multiple of the alphabet size are thrown away
 * (rejection sampling), so no character is more likely than another.
 */
export function sampleString(alphabet: string, length: number, random: RandomSource = systemRandom): string {
  const size = alphabet.length;
  if (size < 1 || size > 256) throw new RangeError("An alphabet holds 1 to 256 characters");
  const limit = 256 - (256 % size);
  const codes = latin1Codes(alphabet);
  if (codes === undefined) return sampleText(alphabet, length, random, limit);
  // One character per accepted byte, into a buffer decoded once: no string built a character at a time.
  scratch ??= Buffer.alloc(SCRATCH_BYTES);
  const out = length <= SCRATCH_BYTES ? scratch : Buffer.alloc(length);
  let filled = 0;
  let barren = 0;
  while (filled < length) {
    // Ask for a little more than needed so one batch usually suffices.
    const bytes = random(Math.ceil(((length - filled) * 256) / limit) + 8);
    const before = filled;
    for (let i = 0; i < bytes.length && filled < length; i++) {
      const byte = bytes[i] as number;
      if (byte < limit) out[filled++] = codes[byte % size] as number;
    }
    barren = filled > before ? 0 : barren + 1;
    if (barren > MAX_BARREN_BATCHES) {
      out.fill(0, 0, length);
      throw brokenSource();
    }
  }
  const text = out.toString("latin1", 0, length);
  out.fill(0, 0, length);
  return text;
}

/** The characters of a value being sampled, wiped once it is decoded. */
let scratch: Buffer | undefined;
const SCRATCH_BYTES = 1024;

/** `sampleString` for an alphabet with characters beyond Latin-1. */
function sampleText(alphabet: string, length: number, random: RandomSource, limit: number): string {
  const size = alphabet.length;
  let out = "";
  let barren = 0;
  while (out.length < length) {
    const bytes = random(Math.ceil(((length - out.length) * 256) / limit) + 8);
    const before = out.length;
    for (const byte of bytes) {
      if (byte >= limit) continue;
      out += alphabet[byte % size];
      if (out.length === length) break;
    }
    barren = out.length > before ? 0 : barren + 1;
    if (barren > MAX_BARREN_BATCHES) throw brokenSource();
  }
  return out;
}

/**
 * Batches in a row that may give no usable byte before the source is taken for
 * broken. Each batch holds at least 9 bytes, each usable with probability above
 * 3/4, so a working source never comes near it; one that answers nothing, or
 * only bytes that must be thrown away, would otherwise be asked forever.
 */
const MAX_BARREN_BATCHES = 64;

function brokenSource(): RangeError {
  return new RangeError(
    `The random source gave no usable byte in ${MAX_BARREN_BATCHES + 1} batches in a row: it is broken`,
  );
}

/** The alphabet as Latin-1 bytes, or `undefined` when a character has no single-byte form. */
function latin1Codes(alphabet: string): Uint8Array | undefined {
  let codes = alphabetCodes.get(alphabet);
  if (codes === undefined) {
    for (let i = 0; i < alphabet.length; i++) if (alphabet.charCodeAt(i) > 0xff) return undefined;
    codes = Buffer.from(alphabet, "latin1");
    if (alphabetCodes.size >= MAX_ALPHABETS) alphabetCodes.clear();
    alphabetCodes.set(alphabet, codes);
  }
  return codes;
}

/** Alphabets seen so far as bytes, at most `MAX_ALPHABETS` of them. */
const alphabetCodes = new Map<string, Uint8Array>();
const MAX_ALPHABETS = 64;

function generatePassword(spec: Extract<GeneratorSpec, { kind: "password" }>, random: RandomSource): string {
  const classes = enabledClasses(spec).map((key) => CLASS_CHARS[key]);
  const alphabet = classes.join("");
  // Draw whole strings until one holds every enabled class: the result is uniform
  // over exactly the strings that satisfy the rule. With at least 128 bits of
  // entropy a draw fails rarely; the bound only guards against a broken source.
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const candidate = sampleString(alphabet, spec.length, random);
    if (holdsEveryClass(candidate, classes)) return candidate;
  }
  throw new RangeError("The random source never produced a password holding every character class");
}

/** Whether `text` holds a character of each of `classes`. */
function holdsEveryClass(text: string, classes: readonly string[]): boolean {
  for (const chars of classes) {
    let found = false;
    for (let i = 0; i < text.length && !found; i++) found = chars.includes(text.charAt(i));
    if (!found) return false;
  }
  return true;
}

function enabledClasses(spec: Extract<GeneratorSpec, { kind: "password" }>): PasswordClass[] {
  return PASSWORD_CLASSES.filter((key) => spec[key]);
}

/** Strings of `length` over the union of disjoint classes holding at least one of each (inclusion–exclusion). */
function countCoveringStrings(sizes: readonly number[], length: number): bigint {
  const total = sizes.reduce((a, b) => a + b, 0);
  let count = 0n;
  for (let mask = 0; mask < 1 << sizes.length; mask++) {
    let excluded = 0;
    let bits = 0;
    sizes.forEach((size, i) => {
      if (mask & (1 << i)) {
        excluded += size;
        bits++;
      }
    });
    const term = BigInt(total - excluded) ** BigInt(length);
    count += bits % 2 === 0 ? term : -term;
  }
  return count;
}

function log2BigInt(n: bigint): number {
  if (n <= 0n) return Number.NEGATIVE_INFINITY;
  const width = n.toString(2).length;
  const shift = Math.max(0, width - 53);
  return Math.log2(Number(n >> BigInt(shift))) + shift;
}

function minimumLength(spec: Exclude<GeneratorSpec, { kind: "uuid" }>): number {
  let length = spec.length;
  while (length < MAX_GENERATED_LENGTH && generatorEntropyBits({ ...spec, length }) < MIN_ENTROPY_BITS)
    length++;
  return length;
}
