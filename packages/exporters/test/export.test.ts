import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { InvalidSecretValueError, SecretConfigError } from "@org/secrets-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXPORT_FORMATS, type ExportFormat, exportSecrets, formatSecrets } from "../src/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "exporters-out-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const entries = new Map([
  ["SECRET_KEY", "k3y with 'quotes' and \"more\""],
  ["DATABASE_URL", "postgres://u:p@h/db"],
]);

describe("exportSecrets", () => {
  it("returns the text without writing when no output is given", async () => {
    const result = await exportSecrets(entries, { format: "json" });
    expect(result).toEqual({ format: "json", content: formatSecrets(entries, "json"), count: 2 });
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each(EXPORT_FORMATS)(
    "writes %s to the output file with mode 0600 and leaves no temporary file",
    async (format) => {
      const output = path.join(dir, `secrets.${format}`);
      const result = await exportSecrets(entries, { format, output });
      expect(result.output).toBe(output);
      expect(result.count).toBe(2);
      expect(readFileSync(output, "utf8")).toBe(formatSecrets(entries, format));
      expect(statSync(output).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual([`secrets.${format}`]);
    },
  );

  it("replaces an existing world-readable file and tightens its mode", async () => {
    const output = path.join(dir, ".env.production");
    writeFileSync(output, "OLD=1\n", { mode: 0o644 });
    await exportSecrets(entries, { format: "shell", output });
    expect(readFileSync(output, "utf8")).toBe(formatSecrets(entries, "shell"));
    expect(statSync(output).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([".env.production"]);
  });

  it("writes nothing when a value cannot be represented", async () => {
    const output = path.join(dir, "out.sh");
    writeFileSync(output, "export KEEP='me'\n");
    await expect(
      exportSecrets(
        new Map([
          ["A", "ok"],
          ["B", "nul\0"],
        ]),
        { format: "shell", output },
      ),
    ).rejects.toThrow(InvalidSecretValueError);
    expect(readFileSync(output, "utf8")).toBe("export KEEP='me'\n");
    expect(readdirSync(dir)).toEqual(["out.sh"]);
  });

  it("writes nothing when dotenv cannot represent a value, and names the secret", async () => {
    const output = path.join(dir, ".env");
    const value = " ' \" ` ";
    const attempt = exportSecrets(
      new Map([
        ["FIRST", "fine"],
        ["CULPRIT", value],
      ]),
      { format: "env", output },
    );
    await expect(attempt).rejects.toThrow(InvalidSecretValueError);
    await expect(attempt).rejects.toThrow(/'CULPRIT'/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("rejects an unknown format without creating the file", async () => {
    const output = path.join(dir, "out.toml");
    await expect(exportSecrets(entries, { format: "toml" as ExportFormat, output })).rejects.toThrow(
      SecretConfigError,
    );
    expect(existsSync(output)).toBe(false);
  });
});
