import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/*
 * The `yaml` package is loaded only when YAML is written: by `exportSecrets`
 * with `import()`, or synchronously by a direct `formatYaml` call. Run against
 * the built package, as an ES module and as CommonJS.
 */

const dist = fileURLToPath(new URL("../dist/", import.meta.url));

/** How each build is loaded in a CommonJS script (`exporters` is a promise of the package). */
const BUILDS = {
  "ES module": `const exporters = import(${JSON.stringify(`${dist}index.js`)});`,
  CommonJS: `const exporters = Promise.resolve(require(${JSON.stringify(`${dist}index.cjs`)}));`,
} as const;

const WRITES = {
  exportSecrets: `(await pkg.exportSecrets({ A: "on" }, { format: "yaml" })).content`,
  formatYaml: `pkg.formatYaml({ A: "on" })`,
} as const;

/** Whether `yaml` was loaded after import and a JSON export, and after writing YAML; and the YAML. */
function run(build: keyof typeof BUILDS, write: keyof typeof WRITES) {
  const script = `
    const cache = require("node:module").createRequire(${JSON.stringify(dist)}).cache;
    const loaded = () => Object.keys(cache).some((file) => /[\\\\/]node_modules[\\\\/]yaml[\\\\/]/.test(file));
    ${BUILDS[build]}
    (async () => {
      const pkg = await exporters;
      pkg.formatSecrets({ A: "on" }, "json");
      const before = loaded();
      const text = ${WRITES[write]};
      console.log(JSON.stringify({ before, after: loaded(), text }));
    })();
  `;
  const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as unknown;
}

describe("yaml is loaded on first use", () => {
  it("the build exists (run pnpm build first)", () => {
    expect(existsSync(`${dist}index.js`)).toBe(true);
    expect(existsSync(`${dist}index.cjs`)).toBe(true);
  });

  for (const build of Object.keys(BUILDS) as Array<keyof typeof BUILDS>)
    for (const write of Object.keys(WRITES) as Array<keyof typeof WRITES>)
      it(`${build}: not at import, then by ${write}`, () => {
        expect(run(build, write)).toEqual({ before: false, after: true, text: '"A": "on"\n' });
      });
});
