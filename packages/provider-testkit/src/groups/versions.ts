// Group "capability: versions": the previous value stays readable after a
// write, in every mode.
import { describe, expect, it } from "vitest";
import { defineSuite, forEachMode, type ModeTests, requireCapability } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";

export function versionTests({ client, name }: ModeTests): void {
  describe("capability: versions", () => {
    it('after two writes, get(name, { version: "previous" }) returns the first value', async () => {
      const n = name();
      await client().set(n, "earlier value");
      await client().set(n, "later value");
      expect(await client().getVersion(n, "previous")).toBe("earlier value");
      expect((await client().get(n))?.value).toBe("later value");
    });
  });
}

/** Only the versions group; it fails when the provider does not announce `versions`. */
export function describeVersions(options: ProviderConformanceOptions): void {
  defineSuite(options, (suite) =>
    requireCapability(suite, "versions", () => forEachMode(suite, versionTests)),
  );
}
