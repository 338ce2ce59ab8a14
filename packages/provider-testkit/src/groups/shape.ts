// Group "shape": a name, the four required methods, capabilities as booleans,
// and batch reads and listing announced only by having the methods.
import { inspect } from "node:util";
import { checkProviderShape } from "@org/secrets-core/provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLeak } from "../suite/checks.js";
import { defineSuite, type Suite } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";
import { Session } from "../suite/session.js";

export function shapeTests({ options, uniqueName }: Suite): void {
  describe("shape", () => {
    const session = new Session(options, "provider", uniqueName);
    beforeAll(() => session.open());
    afterAll(() => session.close());

    it("has a name and the four required methods", () => {
      const provider = session.provider;
      expect(typeof provider.name).toBe("string");
      expect(provider.name.length).toBeGreaterThan(0);
      for (const method of ["get", "set", "delete", "check"] as const)
        expect(typeof provider[method], `${method}()`).toBe("function");
      if (provider.displayName !== undefined) expect(typeof provider.displayName).toBe("string");
      expect(() => checkProviderShape(provider, options.name)).not.toThrow();
    });

    if ((options.sensitive ?? []).length > 0)
      it("printing the provider shows nothing sensitive: inspect, JSON, String", () => {
        const provider = session.provider;
        const shown = [inspect(provider, { depth: 8 }), String(provider)];
        try {
          shown.push(JSON.stringify(provider) ?? "");
        } catch {
          // Not serialisable: inspect above shows its fields.
        }
        (options.sensitive ?? []).forEach((secret, i) => {
          expect(
            findLeak(shown.join("\n"), secret),
            `sensitive[${i}] shows when the provider is printed: keep it in a private (#) field`,
          ).toBeUndefined();
        });
      });

    it("announces capabilities as an object of booleans; batch reads and listing by having the methods", () => {
      const provider = session.provider;
      const capabilities = provider.capabilities;
      if (capabilities !== undefined) {
        expect(typeof capabilities).toBe("object");
        expect(capabilities).not.toBeNull();
        for (const [key, value] of Object.entries(capabilities))
          expect(typeof value, `capabilities.${key}`).toBe("boolean");
        for (const [flag, method] of [
          ["batchRead", "getMany()"],
          ["list", "list()"],
        ] as const)
          expect(flag in capabilities, `${flag} is not declared: having ${method} is the capability`).toBe(
            false,
          );
      }
      for (const optional of ["getMany", "list", "restore", "close"] as const) {
        if (provider[optional] !== undefined)
          expect(typeof provider[optional], `${optional}`).toBe("function");
      }
    });
  });
}

/** Only the shape checks. */
export function describeShape(options: ProviderConformanceOptions): void {
  defineSuite(options, shapeTests);
}
