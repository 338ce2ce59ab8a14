// Group "capability report": which groups run, and capabilities that are the
// same for every instance and final once `create` has resolved.
import { silentLogger } from "@org/secrets-core";
import { expect, it } from "vitest";
import { CAPABILITY_NAMES, defineSuite, readCapabilities, type Suite } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";

export function capabilityReportTests({ options, announced }: Suite): void {
  const ran = CAPABILITY_NAMES.filter((c) => announced[c]);
  const notAnnounced = CAPABILITY_NAMES.filter((c) => !announced[c]);

  it(`capability groups run: ${ran.join(", ") || "none"}; not announced: ${notAnnounced.join(", ") || "none"}`, async () => {
    const provider = await options.create({ logger: silentLogger });
    try {
      expect(readCapabilities(provider), "capabilities must not change between instances").toEqual(announced);
      await provider.check();
      expect(
        readCapabilities(provider),
        "capabilities are final once create() resolves: they must not change on use",
      ).toEqual(announced);
    } finally {
      await provider.close?.();
      await options.cleanup?.(provider);
    }
  });
}

/** Only the capability report. */
export function describeCapabilityReport(options: ProviderConformanceOptions): void {
  defineSuite(options, capabilityReportTests);
}
