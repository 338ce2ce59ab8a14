// Group "basics": the required read, write, overwrite, delete and check
// behaviour, in every mode.
import { expect, it } from "vitest";
import { defineSuite, forEachMode, type ModeTests } from "../suite/define.js";
import type { ProviderConformanceOptions } from "../suite/options.js";

/** Names that are also keys every plain object inherits: a store keyed by a plain object answers them wrongly. */
const OBJECT_KEYS = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"] as const;

export function basicTests({ mode, client, name }: ModeTests): void {
  it("get of a missing name resolves undefined, not an error", async () => {
    expect(await client().get(name())).toBeUndefined();
  });

  it("set then get returns the exact value", async () => {
    const n = name();
    await client().set(n, "first-value");
    const record = await client().get(n);
    expect(record?.value).toBe("first-value");
  });

  it("set overwrites an existing value", async () => {
    const n = name();
    await client().set(n, "before");
    await client().set(n, "after");
    expect((await client().get(n))?.value).toBe("after");
  });

  it("delete returns true, then false; get afterwards resolves undefined", async () => {
    const n = name();
    await client().set(n, "to-delete");
    expect(await client().delete(n)).toBe(true);
    expect(await client().get(n)).toBeUndefined();
    expect(await client().delete(n)).toBe(false);
    expect(await client().get(n)).toBeUndefined();
  });

  // Read-only (a shared backend may hold these names), and once: the answer is the provider's.
  if (mode === "provider")
    it("names that every plain object has as keys read as missing, or as a stored string value", async () => {
      for (const key of OBJECT_KEYS) {
        const record = await client().get(key);
        if (record !== undefined)
          expect(typeof record.value, `get("${key}") answers something that is not a stored value`).toBe(
            "string",
          );
      }
    });

  it("check() resolves", async () => {
    await expect(client().check()).resolves.toBeUndefined();
  });
}

/** Only the basics, through the raw provider and a manager with the cache off and on. */
export function describeBasics(options: ProviderConformanceOptions): void {
  defineSuite(options, (suite) => forEachMode(suite, basicTests));
}
