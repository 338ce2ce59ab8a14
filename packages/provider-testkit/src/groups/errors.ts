// Group "errors": the manager refuses bad names and values before the
// provider sees them, unannounced operations fail with NotSupportedError, and
// failures reaching the caller are SecretErrors.
import {
  InvalidSecretNameError,
  InvalidSecretValueError,
  NotSupportedError,
  SecretError,
  SecretManager,
} from "@org/secrets-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countingProxy } from "../suite/checks.js";
import { defineSuite, type Suite } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";
import { Session } from "../suite/session.js";

export function errorTests({ options, announced, uniqueName }: Suite): void {
  describe("errors", () => {
    const session = new Session(options, "provider", uniqueName);
    beforeAll(() => session.open());
    afterAll(() => session.close());

    it("the manager rejects invalid names before the provider sees them", async () => {
      const { provider, calls } = countingProxy(session.provider);
      const manager = new SecretManager({ provider, cacheTtlMs: 0 });
      const attempts: Array<Promise<unknown>> = [
        manager.getSecret("1STARTS_WITH_DIGIT"),
        manager.setSecret("has space", "v"),
        manager.deleteSecret("dash-ed"),
        manager.getSecrets([session.name(), "new\nline"]),
        manager.getSecretRecord(""),
      ];
      for (const attempt of attempts) {
        const error = await attempt.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(InvalidSecretNameError);
        expect((error as SecretError).code).toBe("INVALID_NAME");
      }
      expect(calls).toEqual({});
    });

    it("a value that is not a string is refused with a SecretError before the provider sees it", async () => {
      const { provider, calls } = countingProxy(session.provider);
      const manager = new SecretManager({ provider, cacheTtlMs: 0 });
      await expect(manager.setSecret(session.name(), 42 as unknown as string)).rejects.toBeInstanceOf(
        InvalidSecretValueError,
      );
      expect(calls.set ?? 0).toBe(0);
    });

    it("operations the provider does not announce fail with NotSupportedError", async () => {
      const manager = new SecretManager({ provider: session.provider, cacheTtlMs: 0 });
      const n = session.name();
      if (!announced.versions)
        await expect(manager.getSecret(n, { version: "previous" })).rejects.toBeInstanceOf(NotSupportedError);
      if (!announced.list) await expect(manager.listSecrets()).rejects.toBeInstanceOf(NotSupportedError);
      if (!announced.checkAndSet)
        await expect(manager.setSecret(n, "v", { ifVersion: "any" })).rejects.toBeInstanceOf(
          NotSupportedError,
        );
      // Whatever it announces, a read through the manager never fails with a raw error.
      await expect(manager.getSecret(n)).resolves.toBeUndefined();
    });

    // Only where the suite can provoke a failure: without either capability it would check nothing.
    if (announced.checkAndSet || announced.versions)
      it("failures reaching the caller are SecretErrors, never raw errors", async () => {
        const n = session.name();
        const provider = session.provider;
        const failures: unknown[] = [];
        const attempt = async (call: () => Promise<unknown>) => {
          try {
            await call();
          } catch (error) {
            failures.push(error);
          }
        };
        if (announced.checkAndSet) {
          await provider.set(n, "exists");
          await attempt(() => provider.set(n, "again", { ifAbsent: true }));
          await attempt(() => provider.set(n, "again", { ifVersion: "not-a-version-this-provider-made" }));
          expect(failures.length, "both check-and-set writes must fail").toBe(2);
        }
        if (announced.versions) await attempt(() => provider.get(n, { version: "no-such-version-0" }));
        for (const failure of failures) expect(failure).toBeInstanceOf(SecretError);
      });
  });
}

/** Only the error-handling group. */
export function describeErrors(options: ProviderConformanceOptions): void {
  defineSuite(options, errorTests);
}
