import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as dotenvParse } from "dotenv";
import { afterAll, describe, expect, it } from "vitest";
import { createManager, rotate } from "../examples/usage.js";

const dir = mkdtempSync(path.join(tmpdir(), "provider-env-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the README example", () => {
  it("rotates a secret in a dotenv file, keeping the rest of the file", async () => {
    const file = path.join(dir, ".env.local");
    writeFileSync(file, "# local settings\nREADME_EXAMPLE_KEY=old\nOTHER=kept\n");
    const manager = createManager(file);
    const updatedAt = await rotate(manager, "README_EXAMPLE_KEY", "n3w value #1");
    expect(updatedAt).toBeInstanceOf(Date);
    const text = readFileSync(file, "utf8");
    expect(dotenvParse(text)).toEqual({ README_EXAMPLE_KEY: "n3w value #1", OTHER: "kept" });
    expect(text).toMatch(
      /^# local settings\n# secrets: updated=\S+ rotatedAt=\S+\nREADME_EXAMPLE_KEY='n3w value #1'\nOTHER=kept\n$/,
    );
    expect(await manager.getSecret("README_EXAMPLE_KEY")).toBe("n3w value #1");
  });

  it("is shown verbatim in the README", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("../examples/usage.ts", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
