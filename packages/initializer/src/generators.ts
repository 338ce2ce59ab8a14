/** Secure generators: the kinds a manifest may name, their defaults and entropy, and the values they make. */
import { SecretConfigError } from "@org/secrets-core";
import { crypto, type RandomSource, sampleString, systemRandom } from "./sampling.js";

export { type RandomSource, sampleString } from "./sampling.js";

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
