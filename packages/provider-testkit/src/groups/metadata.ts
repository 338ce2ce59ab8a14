// Group "capability: metadata": metadata and dates written with a value come
// back, in every mode.
import { describe, expect, it } from "vitest";
import { defineSuite, forEachMode, type ModeTests, requireCapability } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";

export function metadataTests({ client, name }: ModeTests): void {
  describe("capability: metadata", () => {
    it("metadata written with a value comes back, with updatedAt as a Date", async () => {
      const n = name();
      const metadata = { rotatedAt: "2026-01-02T03:04:05.000Z", owner: "conformance" };
      await client().set(n, "with-metadata", { metadata });
      const record = await client().get(n, { metadata: true });
      expect(record?.value).toBe("with-metadata");
      expect(record?.metadata).toMatchObject(metadata);
      expect(record?.updatedAt).toBeInstanceOf(Date);
      expect(Number.isNaN(record?.updatedAt?.getTime())).toBe(false);
    });
  });
}

/** Only the metadata group; it fails when the provider does not announce `metadata`. */
export function describeMetadata(options: ProviderConformanceOptions): void {
  defineSuite(options, (suite) =>
    requireCapability(suite, "metadata", () => forEachMode(suite, metadataTests)),
  );
}
