// Group "capability: list" (the provider has `list`): written names appear,
// deleted ones disappear, in every mode.
import { describe, expect, it } from "vitest";
import { defineSuite, forEachMode, type ModeTests, requireCapability } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";

export function listTests({ client, name }: ModeTests): void {
  describe("capability: list", () => {
    it("written names appear in list() and deleted ones disappear", async () => {
      const [a, b] = [name(), name()];
      await client().set(a, "listed-a");
      await client().set(b, "listed-b");
      const before = await client().list();
      expect(before).toEqual(expect.arrayContaining([a, b]));
      expect(
        before.every((n) => typeof n === "string"),
        "list() answers names as strings",
      ).toBe(true);
      expect(new Set(before).size, "list() names each secret once").toBe(before.length);
      await client().delete(a);
      const after = await client().list();
      expect(after).not.toContain(a);
      expect(after).toContain(b);
    });
  });
}

/** Only the listing group; it fails when the provider has no `list`. */
export function describeList(options: ProviderConformanceOptions): void {
  defineSuite(options, (suite) => requireCapability(suite, "list", () => forEachMode(suite, listTests)));
}
