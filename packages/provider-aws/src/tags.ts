/** Secret metadata kept as Secrets Manager tags: `rotatedAt` is the tag `secrets:rotatedAt`. */
import type { Tag } from "@aws-sdk/client-secrets-manager";
import { METADATA_TAG_PREFIX } from "./settings.js";

/** Custom metadata stored as tags, keys prefixed `secrets:`. */
export function metadataTags(metadata: Readonly<Record<string, string>> | undefined): Tag[] {
  if (!metadata) return [];
  return Object.entries(metadata).map(([key, value]) => ({
    Key: `${METADATA_TAG_PREFIX}${key}`,
    Value: value,
  }));
}

/** Metadata read back from tags. */
export function metadataFromTags(tags: readonly Tag[] | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  const out: Record<string, string> = Object.create(null);
  let found = false;
  for (const { Key, Value } of tags) {
    if (Key?.startsWith(METADATA_TAG_PREFIX) && Value !== undefined) {
      out[Key.slice(METADATA_TAG_PREFIX.length)] = Value;
      found = true;
    }
  }
  return found ? out : undefined;
}
