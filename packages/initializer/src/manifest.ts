/**
 * The manifest's public face: its model, `parseManifest` for files, and
 * `validateManifest` for manifests built in code, which go through the same
 * schema as files do (without positions: they have none).
 */
import { SecretConfigError } from "@org/secrets-core";
import { isChecked, type Manifest, moreProblems } from "./manifest-model.js";
import { type NodeType, readManifestNode, type SchemaEntry, type SchemaNode } from "./manifest-schema.js";
import { parseRotationPeriod } from "./rotation-period.js";

export {
  MANIFEST_VERSION,
  type Manifest,
  ManifestError,
  type ManifestIssue,
  type ManifestSecret,
} from "./manifest-model.js";
export { loadYamlParser, parseManifest } from "./manifest-yaml.js";

/**
 * Check a manifest built in code against the schema files are read with, and
 * return it as it is. Throws a `SecretConfigError` naming the source, the key
 * path and what is wrong (`Invalid manifest built-in: secrets.A.required must be
 * true or false, not a string`), and how many more problems there are.
 */
export function validateManifest(manifest: Manifest): Manifest {
  // A manifest parsed from a file (or the built-in one) was checked then and is frozen.
  if (isChecked(manifest)) return manifest;
  const source = String(manifest?.source);
  const issues: string[] = [];
  readManifestNode(objectNode(manifestShape(manifest)), (_at, _path, message) => {
    issues.push(message);
  });
  if (issues.length > 0)
    throw new SecretConfigError(`Invalid manifest ${source}: ${issues[0]}${moreProblems(issues.length)}`, {
      field: source,
    });
  return manifest;
}

/** A manifest object in the shape of a file: `source` left out, `secrets` keyed by name, rotations as their text. */
function manifestShape(manifest: Manifest): unknown {
  if (manifest === null || typeof manifest !== "object") return manifest;
  const { source: _source, secrets, ...rest } = manifest as unknown as Record<string, unknown>;
  if (!Array.isArray(secrets)) return { ...rest, secrets };
  const entries = secrets.map((secret): [unknown, unknown] => {
    if (secret === null || typeof secret !== "object") return [undefined, secret];
    const { name, rotation, ...fields } = secret as Record<string, unknown>;
    if (rotation !== undefined) fields.rotation = rotationShape(rotation);
    return [name, fields];
  });
  return { ...rest, secrets: new EntryList(entries) };
}

/** A rotation period as the text a file would hold, when its `ms` is that text's; else as it is (and refused). */
function rotationShape(rotation: unknown): unknown {
  const { text, ms } = (rotation ?? {}) as { text?: unknown; ms?: unknown };
  if (typeof text !== "string") return rotation;
  try {
    return parseRotationPeriod(text).ms === ms ? text : rotation;
  } catch {
    // The schema reports why the text is not a period.
    return text;
  }
}

/** A mapping given as a list of entries, so that a name declared twice stays visible to the schema. */
class EntryList {
  constructor(readonly entries: ReadonlyArray<[unknown, unknown]>) {}
}

/** A plain value as a schema node: no positions. */
function objectNode(value: unknown): SchemaNode {
  let type: NodeType;
  if (value === null || value === undefined) type = "null";
  else if (value instanceof EntryList) type = "map";
  else if (Array.isArray(value)) type = "list";
  else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    type = typeof value as NodeType;
  else if (typeof value === "object") type = "map";
  else type = "other";
  const entries = (): SchemaEntry[] => {
    if (type !== "map") return [];
    const pairs =
      value instanceof EntryList
        ? value.entries
        : Object.entries(value as object).filter(([, v]) => v !== undefined);
    return pairs.map(([key, item]) => ({
      key: typeof key === "string" ? key : undefined,
      keyAt: undefined,
      value: objectNode(item),
    }));
  };
  return { type, value, at: undefined, entries };
}
