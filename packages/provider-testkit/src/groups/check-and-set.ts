// Group "capability: checkAndSet": create-only and versioned writes, and one
// winner among concurrent creates, in every mode.
import { SecretConflictError, type SecretError } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { versionAfterWrite } from "../suite/checks.js";
import { defineSuite, forEachMode, type ModeTests, requireCapability } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";

export function checkAndSetTests({ mode, client, name }: ModeTests): void {
  describe("capability: checkAndSet", () => {
    it("ifAbsent on an existing secret throws SecretConflictError and keeps the value", async () => {
      const n = name();
      await client().set(n, "original");
      const error = await client()
        .set(n, "intruder", { ifAbsent: true })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(SecretConflictError);
      expect((error as SecretError).code).toBe("CONFLICT");
      expect((await client().get(n))?.value).toBe("original");
    });

    it("ifAbsent on a new secret creates it", async () => {
      const n = name();
      await client().set(n, "created", { ifAbsent: true });
      expect((await client().get(n))?.value).toBe("created");
    });

    it("ifVersion with a stale version throws SecretConflictError; with the current one it writes", async () => {
      const n = name();
      const stale = await versionAfterWrite(client(), n, "version-one");
      await client().set(n, "version-two");
      const error = await client()
        .set(n, "version-three", { ifVersion: stale })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(SecretConflictError);
      expect((await client().get(n))?.value).toBe("version-two");
      const current = (await client().get(n))?.version;
      expect(current, "records must carry a version for ifVersion").toEqual(expect.any(String));
      await client().set(n, "version-four", { ifVersion: current as string });
      expect((await client().get(n))?.value).toBe("version-four");
    });

    it("ifVersion on a secret that does not exist throws SecretConflictError and creates nothing", async () => {
      const version = await versionAfterWrite(client(), name(), "version-elsewhere");
      const n = name();
      const error = await client()
        .set(n, "must-not-be-created", { ifVersion: version })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error, "a missing secret has no current version to match").toBeInstanceOf(SecretConflictError);
      expect(await client().get(n)).toBeUndefined();
    });

    // The race is the provider's own: run once, through it directly, to keep the request count low.
    if (mode === "provider")
      it("4 concurrent ifVersion writes over the same version: exactly one wins", async () => {
        const n = name();
        const base = await versionAfterWrite(client(), n, "base-version");
        const results = await Promise.allSettled(
          Array.from({ length: 4 }, (_, i) => client().set(n, `successor-${i}`, { ifVersion: base })),
        );
        const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        expect(winners, "ifVersion must be checked and written atomically").toHaveLength(1);
        for (const r of results) {
          if (r.status === "rejected") expect(r.reason).toBeInstanceOf(SecretConflictError);
        }
        expect((await client().get(n))?.value).toBe(`successor-${winners[0]}`);
      });

    it("8 concurrent ifAbsent creates of one name: exactly one wins", async () => {
      const n = name();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => client().set(n, `contender-${i}`, { ifAbsent: true })),
      );
      const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") expect(r.reason).toBeInstanceOf(SecretConflictError);
      }
      expect((await client().get(n))?.value).toBe(`contender-${winners[0]}`);
    });
  });
}

/** Only the check-and-set group; it fails when the provider does not announce `checkAndSet`. */
export function describeCheckAndSet(options: ProviderConformanceOptions): void {
  defineSuite(options, (suite) =>
    requireCapability(suite, "checkAndSet", () => forEachMode(suite, checkAndSetTests)),
  );
}
