import * as core from "@org/secrets-core";
import * as providerKit from "@org/secrets-core/provider";
import { runSection } from "./section-loader.js";

const loaded = new Map<string, unknown>();

/**
 * The module a section of this bundle holds (a provider, the full parser, the
 * YAML parser), compiled on first use (see section-loader.ts); it shares the
 * CLI's copy of core (both entries).
 */
export function loadSection(name: string): unknown {
  if (loaded.has(name)) return loaded.get(name);
  const exports = runSection(__filename, name, (id) =>
    id === "@org/secrets-core" ? core : id === "@org/secrets-core/provider" ? providerKit : require(id),
  );
  loaded.set(name, exports);
  return exports;
}
