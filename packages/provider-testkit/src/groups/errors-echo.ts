// Group "errors echo no value": errors provoked around a canary value carry
// it nowhere — message, stack, JSON, inspect output, cause chain.
import { randomBytes } from "node:crypto";
import { SecretManager } from "@org/secrets-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeError, findLeak, TRANSPORT_FIELDS, transportFields } from "../suite/checks.js";
import { defineSuite, type Suite } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";
import { Session } from "../suite/session.js";

export function errorEchoTests({ options, announced, uniqueName }: Suite): void {
  describe("errors echo no value", () => {
    const session = new Session(options, "provider", uniqueName);
    beforeAll(() => session.open());
    afterAll(() => session.close());

    it("errors provoked around a canary value carry it nowhere: message, stack, JSON, inspect, cause chain", async () => {
      const stored = `canary-${randomBytes(12).toString("hex")}`;
      const attempted = `canary-${randomBytes(12).toString("hex")}`;
      const provider = session.provider;
      const n = session.name();
      const failures: Array<{ what: string; error: unknown }> = [];
      const attempt = async (what: string, call: () => Promise<unknown>) => {
        try {
          await call();
        } catch (error) {
          failures.push({ what, error });
        }
      };
      await provider.set(n, stored);
      if (announced.checkAndSet) {
        await attempt("set ifAbsent on an existing secret", () =>
          provider.set(n, attempted, { ifAbsent: true }),
        );
        await attempt("set ifVersion with a made-up version", () =>
          provider.set(n, attempted, { ifVersion: "not-a-version-this-provider-made" }),
        );
      }
      if (announced.versions)
        await attempt("get of a made-up version", () => provider.get(n, { version: "no-such-version-0" }));
      // Names the manager would refuse, sent to the provider directly: refused or not, nothing echoes the value.
      for (const bad of [`${n}_WITH SPACE`, `${n}_${"N".repeat(600)}`]) {
        session.remember(bad);
        await attempt(`set of the name ${bad.slice(0, 40)}…`, () => provider.set(bad, attempted));
      }
      const max = (provider as { maxValueBytes?: unknown }).maxValueBytes;
      if (typeof max === "number" && Number.isInteger(max) && max > 0 && max <= 4 * 1024 * 1024)
        await attempt("set of a value over maxValueBytes", () =>
          provider.set(n, `${attempted}${"x".repeat(max)}`),
        );
      await attempt("set with a signal that has already fired", () =>
        provider.set(n, attempted, { signal: AbortSignal.abort() }),
      );
      // And through a manager: what reaches the caller after core's wrapping.
      const manager = new SecretManager({ provider, cacheTtlMs: 0 });
      if (announced.checkAndSet)
        await attempt("manager set ifAbsent on an existing secret", () =>
          manager.setSecret(n, attempted, { ifAbsent: true }),
        );

      for (const { what, error } of failures) {
        const text = describeError(error);
        for (const secret of [stored, attempted]) {
          const form = findLeak(text, secret);
          expect(
            form,
            form === secret
              ? `${what}: the error echoes the value`
              : `${what}: the error holds part or an encoding of the value (${form?.length} characters)`,
          ).toBeUndefined();
        }
        (options.sensitive ?? []).forEach((secret, i) => {
          expect(
            findLeak(text, secret),
            `${what}: the error holds sensitive[${i}] (or part of it)`,
          ).toBeUndefined();
        });
        expect(
          transportFields(error),
          `${what}: the error keeps what was sent or received (no ${TRANSPORT_FIELDS.join(", ")} fields)`,
        ).toEqual([]);
      }
    });
  });
}

/** Only the error-echo group. */
export function describeErrorsEchoNoValue(options: ProviderConformanceOptions): void {
  defineSuite(options, errorEchoTests);
}
