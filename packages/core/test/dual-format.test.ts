import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const esm = path.join(root, "dist", "index.js");
const cjs = path.join(root, "dist", "index.cjs");

describe("one redaction registry per process", () => {
  it("is shared by the ESM and the CommonJS build loaded side by side", () => {
    expect(
      existsSync(esm) && existsSync(cjs),
      "build core first (pnpm --filter @org/secrets-core build)",
    ).toBe(true);
    const script = `
      import { createRequire } from "node:module";
      const esm = await import(${JSON.stringify(esm)});
      const cjs = createRequire(import.meta.url)(${JSON.stringify(cjs)});
      if (esm.redact === cjs.redact) throw new Error("expected two copies");
      esm.registerSecretValue("registered-through-esm-1");
      cjs.registerSecretValue("registered-through-cjs-2");
      const line = "a registered-through-esm-1 b registered-through-cjs-2 c";
      process.stdout.write(JSON.stringify([esm.redact(line), cjs.redact(line)]));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(JSON.parse(out)).toEqual(["a [REDACTED] b [REDACTED] c", "a [REDACTED] b [REDACTED] c"]);
  });
});

describe("one default manager per process", () => {
  it("is shared by the ESM and the CommonJS build, as are the values its reads remember", () => {
    expect(existsSync(esm) && existsSync(cjs), "build core first").toBe(true);
    const script = `
      import { createRequire } from "node:module";
      const esm = await import(${JSON.stringify(esm)});
      const cjs = createRequire(import.meta.url)(${JSON.stringify(cjs)});
      if (esm.SecretManager === cjs.SecretManager) throw new Error("expected two copies");
      const provider = {
        name: "dual",
        async get(name) { return { value: "value-read-through-the-cjs-copy-" + name }; },
        async set() {},
        async delete() { return false; },
        async check() {},
      };
      const manager = new cjs.SecretManager({ provider });
      const set = esm.setSecretManager(manager);
      const seen = {
        setReturnsIt: set === manager,
        sameInBoth: cjs.getSecretManager() === manager && esm.getSecretManager() === manager,
        instanceAcross: manager instanceof esm.SecretManager,
        // A manager of the other copy is used as it is, not taken for options.
        readThroughEsm: await esm.getSecret("API_KEY"),
      };
      // The value was read by the CJS copy's manager: the ESM copy scrubs it.
      seen.scrubbed = esm.redact("got value-read-through-the-cjs-copy-API_KEY back");
      await cjs.resetSecretManager();
      const rebuilt = esm.setSecretManager({ provider });
      seen.afterReset = cjs.getSecretManager() === rebuilt && rebuilt !== manager;
      process.stdout.write(JSON.stringify(seen));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, SECRET_PROVIDER: "./does-not-exist.mjs" },
    });
    expect(JSON.parse(out)).toEqual({
      setReturnsIt: true,
      sameInBoth: true,
      instanceAcross: true,
      readThroughEsm: "value-read-through-the-cjs-copy-API_KEY",
      scrubbed: "got [REDACTED] back",
      afterReset: true,
    });
  });
});

describe("the provider kit subpath", () => {
  it("loads by package name in both formats, sharing each format's classes with the main entry", () => {
    expect(existsSync(path.join(root, "dist", "provider.cjs")), "build core first").toBe(true);
    // From inside the package, its own name resolves through "exports", as it does for a dependant.
    const script = `
      import { createRequire } from "node:module";
      const require = createRequire(${JSON.stringify(path.join(root, "package.json"))});
      const cjsKit = require("@org/secrets-core/provider");
      const cjsMain = require("@org/secrets-core");
      const esmKit = await import("@org/secrets-core/provider");
      const esmMain = await import("@org/secrets-core");
      const error = new cjsKit.SecretConflictError("p", "NAME");
      process.stdout.write(JSON.stringify({
        cjs: require.resolve("@org/secrets-core/provider").endsWith("provider.cjs"),
        cjsShared: cjsKit.SecretError === cjsMain.SecretError && error instanceof cjsMain.SecretError,
        esmShared: esmKit.SecretError === esmMain.SecretError && esmKit.registerSecretValue === esmMain.registerSecretValue,
        kitOnly: typeof cjsKit.DocumentLayout === "function" && !("DocumentLayout" in cjsMain) && !("DocumentLayout" in esmMain),
        capabilities: cjsKit.capabilitiesOf({ capabilities: { batchRead: true, versions: true } }),
      }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      cwd: root,
    });
    expect(JSON.parse(out)).toEqual({
      cjs: true,
      cjsShared: true,
      esmShared: true,
      kitOnly: true,
      capabilities: { versions: true, checkAndSet: false, metadata: false, batchRead: false, list: false },
    });
  });
});
