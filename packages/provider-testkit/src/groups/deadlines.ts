// Group "deadlines": a call whose signal has already fired (its deadline has
// passed) settles, and a write or delete so refused changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineSuite, type Suite } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";
import { Session } from "../suite/session.js";

export function deadlineTests({ options, announced, uniqueName }: Suite): void {
  describe("deadlines", () => {
    const session = new Session(options, "provider", uniqueName);
    beforeAll(() => session.open());
    afterAll(() => session.close());

    it("a write or delete whose signal has already fired rejects and changes nothing; reads settle", async () => {
      const provider = session.provider;
      const [kept, absent] = [session.name(), session.name()];
      await provider.set(kept, "kept-value");
      const signal = AbortSignal.abort(new Error("conformance: the deadline has passed"));
      const refused = async (what: string, call: () => Promise<unknown>) => {
        const outcome = await call().then(
          () => "resolved",
          () => "rejected",
        );
        expect(outcome, `${what} with a fired signal must reject, not reach the backend`).toBe("rejected");
      };
      await refused("set over an existing secret", () => provider.set(kept, "replaced", { signal }));
      await refused("set of a new secret", () => provider.set(absent, "created", { signal }));
      await refused("delete", () => provider.delete(kept, { signal }));
      if (typeof provider.setMany === "function")
        await refused("setMany", () =>
          (provider.setMany as NonNullable<typeof provider.setMany>)([{ name: absent, value: "created" }], {
            signal,
          }),
        );
      // A read may answer (a local file) or reject; it must not hang.
      await provider.get(kept, { signal }).catch(() => undefined);
      if (announced.batchRead) await provider.getMany?.([kept, absent], { signal }).catch(() => undefined);
      if (announced.list) await provider.list?.({ signal }).catch(() => undefined);

      expect((await provider.get(kept))?.value, "the refused writes left the value as it was").toBe(
        "kept-value",
      );
      expect(await provider.get(absent), "the refused create stored nothing").toBeUndefined();
    });
  });
}

/** Only the deadline group. */
export function describeDeadlines(options: ProviderConformanceOptions): void {
  defineSuite(options, deadlineTests);
}
