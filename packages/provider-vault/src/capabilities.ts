/**
 * What a Vault provider can do, by KV version and layout. Batch reads and
 * listing every layout has (as methods); versions, check-and-set and metadata
 * are flags, settled when the mount's KV version is known.
 */
import type { ProviderCapabilities } from "@org/secrets-core/provider";
import type { VaultLayout } from "./options.js";

// Every layout has getMany and list.
const V2_PER_SECRET: Readonly<ProviderCapabilities> = Object.freeze({
  versions: true,
  checkAndSet: true,
  metadata: true,
});
const V2_DOCUMENT: Readonly<ProviderCapabilities> = Object.freeze({
  versions: true,
  checkAndSet: true,
  metadata: false,
});
const V1_PER_SECRET: Readonly<ProviderCapabilities> = Object.freeze({
  versions: false,
  checkAndSet: false,
  metadata: false,
});

export function capabilitiesFor(version: 1 | 2, layout: VaultLayout): Readonly<ProviderCapabilities> {
  if (version === 1) return V1_PER_SECRET;
  return layout === "document" ? V2_DOCUMENT : V2_PER_SECRET;
}

const RESTORABLE = Object.freeze({ finalDeletes: false });
const FINAL = Object.freeze({ finalDeletes: true });

/** Only soft deletes of KV v2's per-secret layout can be restored (undeleted). */
export function traitsFor(version: 1 | 2, layout: VaultLayout): Readonly<{ finalDeletes: boolean }> {
  return version === 2 && layout !== "document" ? RESTORABLE : FINAL;
}
