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
