/** Uniform random strings over an alphabet, from the system's CSPRNG or a source a test supplies. */
import type * as Crypto from "node:crypto";

/** `node:crypto`, loaded when a value is generated: `health`, which loads this package, never needs it. */
export const crypto = (): typeof Crypto => process.getBuiltinModule("node:crypto");

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
export function systemRandom(size: number): Uint8Array {
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
