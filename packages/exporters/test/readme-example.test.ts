import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { asYaml, formats, writeSecrets } from "../examples/export-secrets.js";

const dir = mkdtempSync(path.join(tmpdir(), "exporters-example-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the README example", () => {
  it("formats YAML that reads back exactly", () => {
    expect(parseYaml(asYaml)).toEqual({
      DATABASE_URL: "postgres://app:s3cr3t@db:5432/app",
      SECRET_KEY: `it's "quoted"\nand spans two lines`,
    });
    expect(formats).toEqual(["env", "json", "yaml", "shell"]);
  });

  it("writes an env file with mode 0600", async () => {
    const file = path.join(dir, ".env.production");
    await writeSecrets(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseDotenv(readFileSync(file, "utf8")).SECRET_KEY).toBe(`it's "quoted"\nand spans two lines`);
  });

  it("is shown verbatim in the README", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("../examples/export-secrets.ts", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
