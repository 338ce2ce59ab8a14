// Group "hostile values": every value of `hostileValues` round-trips byte for
// byte, and the empty string round-trips or is refused cleanly, in every mode.
import { SecretError } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { hostileValues } from "../hostile-values.js";
import { expectSameString } from "../suite/checks.js";
import { defineSuite, forEachMode, type ModeTests } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";

export function hostileValueTests({ client, name }: ModeTests): void {
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

    it("the empty string round-trips, or is refused with a SecretError and not stored", async () => {
      const n = name();
      let refused: unknown;
      try {
        await client().set(n, "");
      } catch (error) {
        refused = error;
      }
      if (refused === undefined) {
        const record = await client().get(n);
        expect(record, "an accepted empty value must be readable").toBeDefined();
        expect(record?.value).toBe("");
      } else {
        expect(refused, "refusing an empty value must be a SecretError").toBeInstanceOf(SecretError);
        expect(await client().get(n)).toBeUndefined();
      }
    });
  });
}

/** Only the hostile values, through the raw provider and a manager with the cache off and on. */
export function describeHostileValues(options: ProviderConformanceOptions): void {
  defineSuite(options, (suite) => forEachMode(suite, hostileValueTests));
}
