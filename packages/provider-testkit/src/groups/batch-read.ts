// Group "capability: batchRead" (the provider has `getMany`): present and
// missing names in one call, in every mode.
import { describe, expect, it } from "vitest";
import { defineSuite, forEachMode, type ModeTests, requireCapability } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";

export function batchReadTests({ mode, client, name }: ModeTests): void {
  describe("capability: batchRead", () => {
    it("getMany with present and missing names returns exactly the present ones", async () => {
      const [a, b, missing] = [name(), name(), name()];
      await client().set(a, "value-a");
      await client().set(b, "value-b\nsecond line");
      const found = await client().getMany([a, missing, b]);
      expect(found).toBeInstanceOf(Map);
      expect([...found.keys()].sort()).toEqual([a, b].sort());
      expect(found.get(a)?.value).toBe("value-a");
      expect(found.get(b)?.value).toBe("value-b\nsecond line");
    });

    if (mode === "provider")
      it("getMany of names that every plain object has as keys answers only stored string values", async () => {
        const keys = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
        const found = await client().getMany(keys);
        expect(found).toBeInstanceOf(Map);
        for (const [key, record] of found) {
          expect(keys, "getMany answers only names it was asked").toContain(key);
          expect(typeof record?.value, `the record of "${key}"`).toBe("string");
        }
      });
  });
}

/** Only the batch-read group; it fails when the provider has no `getMany`. */
export function describeBatchRead(options: ProviderConformanceOptions): void {
  defineSuite(options, (suite) =>
    requireCapability(suite, "batchRead", () => forEachMode(suite, batchReadTests)),
  );
}
