// Group "canary": a value written, read, listed and deleted through a manager
// appears in no log line or error message, even at debug level.
import { randomBytes } from "node:crypto";
import { createLogger, REDACTED } from "@org/secrets-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeError, findLeak } from "../suite/checks.js";
import { defineSuite, type Suite } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";
import { Session } from "../suite/session.js";

export function canaryTests({ options, announced, uniqueName }: Suite): void {
  describe("canary", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", write: (line) => lines.push(line) });
    const session = new Session(options, "manager, cache on", uniqueName, logger);
    beforeAll(() => session.open());
    afterAll(() => session.close());

    it("a secret value appears in no log line or error message, even at debug level", async () => {
      const canary = `canary-${randomBytes(12).toString("hex")}`;
      const replacement = `canary-${randomBytes(12).toString("hex")}`;
      const n = session.name();
      const c = session.client;
      const errors: unknown[] = [];
      await c.set(n, canary);
      expect((await c.get(n))?.value).toBe(canary);
      await c.set(n, replacement);
      expect((await c.get(n))?.value).toBe(replacement);
      if (announced.batchRead) expect((await c.getMany([n, session.name()])).get(n)?.value).toBe(replacement);
      if (announced.list) expect(await c.list()).toContain(n);
      if (announced.checkAndSet)
        await c.set(n, canary, { ifAbsent: true }).catch((e: unknown) => errors.push(e));
      if (announced.versions) expect(await c.getVersion(n, "previous")).toBe(canary);
      await c.check();
      expect(await c.delete(n)).toBe(true);
      expect(await c.get(n)).toBeUndefined();

      expect(lines.length, "the manager logs every operation at debug level").toBeGreaterThan(0);
      const messages = errors.map(describeError);
      for (const text of [...lines, ...messages]) {
        for (const secret of [canary, replacement, ...(options.sensitive ?? [])])
          expect(
            findLeak(text, secret),
            "a log line or error holds the value, part of it or an encoding",
          ).toBeUndefined();
        // The logger masks values it knows; a mask means something tried to log one.
        expect(text).not.toContain(REDACTED);
      }
    });
  });
}

/** Only the canary group. */
export function describeCanary(options: ProviderConformanceOptions): void {
  defineSuite(options, canaryTests);
}
