/**
 * Secret names that are also JavaScript object keys, and values that are not
 * well-formed UTF-16, on every layout against the real OpenBao server.
 */
import { SecretManager } from "@org/secrets-core";
import { InvalidSecretValueError } from "@org/secrets-core/provider";
import { HostileProxy } from "@org/secrets-test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { VaultProvider, type VaultProviderOptions } from "../src/index.js";
import { enableKv, root, server, unique } from "./support/vault.js";

const { addr, token } = server();
const open: VaultProvider[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

const proxy = new HostileProxy({ target: addr, flavor: "vault" });
let url = "";
let v1Mount = "";
beforeAll(async () => {
  url = (await proxy.start()).url;
  v1Mount = await enableKv(1);
});
afterAll(async () => {
  await proxy.stop();
});

const NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"];

interface Layout {
  label: string;
  options: () => VaultProviderOptions;
  /** The value the server holds for `name`, read with the root token. */
  stored: (options: VaultProviderOptions, name: string) => Promise<string | undefined>;
}

const layouts: Layout[] = [
  {
    label: "KV v2 per-secret",
    options: () => ({ prefix: unique("keys") }),
    stored: async (o, name) =>
      (await root("GET", `secret/data/${o.prefix}/${name}`, undefined, { allow: [404] }))?.data?.data?.value,
  },
  {
    label: "KV v2 document",
    options: () => ({ prefix: unique("keys-doc"), layout: "document" }),
    stored: async (o, name) => {
      const fields = (await root("GET", `secret/data/${o.prefix}`, undefined, { allow: [404] }))?.data?.data;
      return fields && Object.hasOwn(fields, name) ? fields[name] : undefined;
    },
  },
  {
    label: "KV v1 per-secret",
    options: () => ({ prefix: unique("keys-v1"), mount: v1Mount }),
    stored: async (o, name) =>
      (await root("GET", `${v1Mount}/${o.prefix}/${name}`, undefined, { allow: [404] }))?.data?.value,
  },
];

function provider(options: VaultProviderOptions): VaultProvider {
  const p = new VaultProvider({ url, token, renewToken: false, ...options });
  open.push(p);
  return p;
}

for (const layout of layouts) {
  describe(layout.label, () => {
    it("names that are object keys round-trip: set, get, getMany, list, delete", async () => {
      const options = layout.options();
      const p = provider(options);
      for (const [i, name] of NAMES.entries()) await p.set(name, `value-of-${i}`);
      for (const [i, name] of NAMES.entries()) {
        expect((await p.get(name))?.value, name).toBe(`value-of-${i}`);
        expect(await layout.stored(options, name), name).toBe(`value-of-${i}`);
      }
      const many = await p.getMany(NAMES);
      expect([...many.keys()].sort()).toEqual([...NAMES].sort());
      expect(await p.list()).toEqual([...NAMES].sort());

      // Through the manager too, which caches by name.
      const manager = new SecretManager({ provider: p });
      expect(await manager.getSecret("__proto__")).toBe("value-of-0");
      expect(await manager.getSecret("constructor")).toBe("value-of-1");

      expect(await p.delete("__proto__")).toBe(true);
      expect(await p.get("__proto__")).toBeUndefined();
      expect(await layout.stored(options, "__proto__")).toBeUndefined();
      expect((await p.get("constructor"))?.value).toBe("value-of-1");
      expect(await p.list()).toEqual(NAMES.filter((n) => n !== "__proto__").sort());
    });

    it("a name never written is missing, even if Object.prototype has it", async () => {
      const p = provider(layout.options());
      await p.set("SOMETHING_ELSE", "x-value");
      for (const name of NAMES) expect(await p.get(name), name).toBeUndefined();
      expect((await p.getMany(NAMES)).size).toBe(0);
      for (const name of NAMES) expect(await p.delete(name), name).toBe(false);
    });

    it("a value with a lone surrogate is refused before anything is sent, and nothing is stored", async () => {
      const options = layout.options();
      const p = provider(options);
      await p.connect();
      for (const value of ["\uD800", "a\uDC00b", "ok\uD83D", "\uDE00tail", `${"x".repeat(1000)}\uD800`]) {
        proxy.forward().resetCounts();
        const error = await p.set("LONE_SURROGATE", value).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidSecretValueError);
        expect((error as Error).message).toBe(
          "Invalid value for secret 'LONE_SURROGATE': it is not well-formed Unicode (it contains an unpaired UTF-16 surrogate), which Vault cannot store as given",
        );
        expect(proxy.requests).toEqual([]);
      }
      expect(await layout.stored(options, "LONE_SURROGATE")).toBeUndefined();
      // A well-formed pair (an emoji) is fine and reads back unchanged.
      await p.set("LONE_SURROGATE", "pair \uD83D\uDE00 ok");
      expect((await p.get("LONE_SURROGATE"))?.value).toBe("pair \uD83D\uDE00 ok");
    });
  });
}
