// Group "hostile values": every value of `hostileValues` round-trips byte for
// byte, and the empty string round-trips or is refused cleanly, in every mode.
import { SecretError } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { hostileValues } from "../hostile-values.js";
import { expectSameString } from "../suite/checks.js";
import { defineSuite, forEachMode, type ModeTests } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";

/** The largest value the suite writes: the provider's `maxValueBytes`, at most 1 MiB (the default). */
const LARGEST_TESTED = 1024 * 1024;

/** A value of exactly `bytes` UTF-8 bytes that ends in multi-byte characters (so a cut shows). */
function valueOfBytes(bytes: number): string {
  if (bytes < 16) return "x".repeat(bytes);
  const tail = "\u00e9\u{1F511}"; // 2 + 4 bytes
  const head = bytes - Buffer.byteLength(tail);
  let out = "";
  const line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/\n";
  while (out.length < head) out += line;
  return `${out.slice(0, head)}${tail}`;
}

export function hostileValueTests({ mode, client, name, provider }: ModeTests): void {
  /** `value` stored under a new name reads back exactly, or was refused with a SecretError and not stored. */
  const roundTripOrRefused = async (label: string, value: string): Promise<void> => {
    const n = name();
    let refused: unknown;
    try {
      await client().set(n, value);
    } catch (error) {
      refused = error;
    }
    if (refused !== undefined) {
      expect(refused, `refusing ${label} must be a SecretError`).toBeInstanceOf(SecretError);
      expect(await client().get(n)).toBeUndefined();
      return;
    }
    const record = await client().get(n);
    expect(typeof record?.value, `an accepted value (${label}) must be readable`).toBe("string");
    expectSameString(record?.value as string, value);
  };
  describe("hostile values round-trip byte-for-byte", () => {
    for (const { label, value } of hostileValues) {
      it(label, async () => {
        const n = name();
        await client().set(n, value);
        const record = await client().get(n);
        expect(typeof record?.value).toBe("string");
        expectSameString(record?.value as string, value);
        expect(await client().delete(n)).toBe(true);
      });
    }

    for (const [label, value] of [
      ["the empty string", ""],
      ["a NUL character", "before\u0000after"],
    ] as const)
      it(`${label} round-trips, or is refused with a SecretError and not stored`, async () => {
        await roundTripOrRefused(label, value);
      });

    // Large: once, through the provider itself.
    if (mode === "provider")
      it("a value of maxValueBytes (at most 1 MiB) round-trips whole, or is refused with a SecretError, never cut", async () => {
        const declared = provider().maxValueBytes;
        const bytes =
          typeof declared === "number" && Number.isInteger(declared) && declared > 0
            ? Math.min(declared, LARGEST_TESTED)
            : LARGEST_TESTED;
        // A backend may have less room than the value's own limit (several secrets in one document).
        await roundTripOrRefused("a large value", valueOfBytes(bytes));
      });
  });
}

/** Only the hostile values, through the raw provider and a manager with the cache off and on. */
export function describeHostileValues(options: ProviderConformanceOptions): void {
  defineSuite(options, (suite) => forEachMode(suite, hostileValueTests));
}
