import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * A project whose `node_modules/acme-provider` is a symbolic link (as pnpm and
 * `npm link` install packages) to a provider kept in a store beside its own
 * dependency, `acme-dependency`, which is found only from the provider's real
 * place. Its `get` answers `from-acme:NAME`. Returns the project's directory.
 */
export function createLinkedProvider(dir: string): string {
  const store = path.join(dir, "store", "node_modules");
  const provider = path.join(store, "acme-provider");
  const dependency = path.join(store, "acme-dependency");
  mkdirSync(provider, { recursive: true });
  mkdirSync(dependency, { recursive: true });
  writeFileSync(path.join(dependency, "package.json"), '{ "name": "acme-dependency", "main": "index.js" }');
  writeFileSync(path.join(dependency, "index.js"), 'exports.prefix = "from-acme:";\n');
  writeFileSync(path.join(provider, "package.json"), '{ "name": "acme-provider", "main": "index.cjs" }');
  writeFileSync(
    path.join(provider, "index.cjs"),
    [
      "exports.createProvider = () => ({",
      '  name: "acme",',
      // Required when first used, as SDKs often are: from the provider's real place only.
      '  async get(name) { return { value: require("acme-dependency").prefix + name }; },',
      "  async set() {},",
      "  async delete() { return false; },",
      "  async check() {},",
      "});",
    ].join("\n"),
  );
  const project = path.join(dir, "project");
  mkdirSync(path.join(project, "node_modules"), { recursive: true });
  symlinkSync(provider, path.join(project, "node_modules", "acme-provider"), "dir");
  return project;
}
