/** The tags put on created secrets: `key=value,…` or JSON text parsed, and every tag checked against AWS's rules. */

import type { Problems } from "./config-rules.js";
import { METADATA_TAG_PREFIX } from "./settings.js";

/** Secrets Manager allows 50 tags a secret; a few are kept free for metadata. */
const MAX_CONFIG_TAGS = 40;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Parse `key=value,key2=value2` or a JSON object of strings. */
export function parseTagText(
  raw: string,
  field: string,
  problems: Problems,
): Record<string, string> | undefined {
  const text = raw.trim();
  if (text === "") return {};
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      problems.add(field, `Invalid ${field}: it starts with { but is not valid JSON`);
      return undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      problems.add(
        field,
        `Invalid ${field}: use a JSON object of strings, or key=value pairs separated by commas`,
      );
      return undefined;
    }
    const out: Record<string, string> = Object.create(null);
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== "string") {
        problems.add(field, `Invalid ${field}: the value of tag ${JSON.stringify(key)} must be a string`);
        return undefined;
      }
      out[key] = value;
    }
    return out;
  }
  const out: Record<string, string> = Object.create(null);
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) {
      problems.add(
        field,
        `Invalid ${field}: ${JSON.stringify(part.trim())} is not key=value (separate tags with commas, e.g. team=payments,env=prod)`,
      );
      return undefined;
    }
    const key = part.slice(0, eq).trim();
    if (Object.hasOwn(out, key)) {
      problems.add(field, `Invalid ${field}: tag ${JSON.stringify(key)} is given twice`);
      return undefined;
    }
    out[key] = part.slice(eq + 1).trim();
  }
  return out;
}

export function validateTags(
  tags: Readonly<Record<string, unknown>>,
  field: string,
  problems: Problems,
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const entries = Object.entries(tags);
  if (entries.length > MAX_CONFIG_TAGS) {
    problems.add(field, `Invalid ${field}: at most ${MAX_CONFIG_TAGS} tags (${entries.length} given)`);
    return out;
  }
  for (const [key, value] of entries) {
    const shown = JSON.stringify(key);
    if (typeof value !== "string") {
      problems.add(field, `Invalid ${field}: the value of tag ${shown} must be a string`);
      continue;
    }
    if (key.length === 0 || key.length > 128 || !TAG_CHARS.test(key)) {
      problems.add(
        field,
        `Invalid ${field}: tag key ${shown} must be 1–128 letters, digits, spaces or _ . : / = + - @`,
      );
      continue;
    }
    if (key.toLowerCase().startsWith("aws:")) {
      problems.add(field, `Invalid ${field}: tag key ${shown} uses the prefix aws:, which AWS reserves`);
      continue;
    }
    if (key.startsWith(METADATA_TAG_PREFIX)) {
      problems.add(
        field,
        `Invalid ${field}: tag key ${shown} uses the prefix ${METADATA_TAG_PREFIX}, which holds secret metadata`,
      );
      continue;
    }
    if (value.length > 256 || !TAG_CHARS.test(value)) {
      problems.add(
        field,
        `Invalid ${field}: the value of tag ${shown} must be at most 256 letters, digits, spaces or _ . : / = + - @`,
      );
      continue;
    }
    out[key] = value;
  }
  return out;
}
