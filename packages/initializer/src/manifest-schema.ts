/**
 * The manifest schema: the one set of rules a manifest is checked against,
 * whether it came from a YAML file or was built in code. It walks a small node
 * interface that each source implements (YAML nodes with their offsets, plain
 * objects without), reports every problem with its key path and position, and
 * builds the secrets it found valid.
 */
import { SecretConfigError, SecretError } from "@org/secrets-core";
import { assertValidSecretName } from "@org/secrets-core/provider";
import {
  GENERATOR_KINDS,
  type GeneratorKind,
  type GeneratorOptions,
  type GeneratorSpec,
  resolveGenerator,
} from "./generators.js";
import { MANIFEST_VERSION, type ManifestSecret } from "./manifest-model.js";
import { parseRotationPeriod, type RotationPeriod } from "./rotation-period.js";

/** What a value is, as far as the schema cares. */
export type NodeType = "map" | "list" | "string" | "number" | "boolean" | "null" | "other";

/** One value of a manifest as its source presents it. */
export interface SchemaNode {
  readonly type: NodeType;
  /** A scalar's value (string, number, boolean, null). */
  readonly value?: unknown;
  /** Where it is in the source (an offset into the YAML text); `undefined` when the source has no positions. */
  readonly at: number | undefined;
  /** A mapping's entries in source order, duplicates included. */
  entries(): readonly SchemaEntry[];
}

/** One key of a mapping and its value. */
export interface SchemaEntry {
  /** The key, or `undefined` when it is not a plain name. */
  readonly key: string | undefined;
  readonly keyAt: number | undefined;
  readonly value: SchemaNode;
}

/** Receives each problem: where (as the source counts), the key path, and what is wrong. */
export type ReportIssue = (at: number | undefined, path: string, message: string) => void;

const TOP_KEYS = ["version", "secrets"] as const;
const SECRET_KEYS = ["description", "required", "generate", "rotation", "development"] as const;
const GENERATOR_KEYS = ["kind", "length", "lower", "upper", "digits", "symbols"] as const;

/**
 * Check a manifest's root node and build its secrets. Every problem goes to
 * `report`; the secrets are returned only when there was none in them.
 */
export function readManifestNode(root: SchemaNode, report: ReportIssue): ManifestSecret[] | undefined {
  return new SchemaReader(report).manifest(root);
}

class SchemaReader {
  constructor(private readonly report: ReportIssue) {}

  /** A mapping's entries with their keys; a key seen before in the same mapping is reported and left out. */
  pairs(map: SchemaNode, parent: string, onBadKey?: () => void): Array<[SchemaEntry, string]> {
    const seen = new Set<string>();
    const out: Array<[SchemaEntry, string]> = [];
    for (const entry of map.entries()) {
      const key = entry.key;
      if (key === undefined) {
        this.report(entry.keyAt, parent, `keys${parent ? ` in ${parent}` : ""} must be plain names`);
        onBadKey?.();
        continue;
      }
      if (seen.has(key)) {
        this.report(
          entry.keyAt,
          parent ? `${parent}.${key}` : key,
          `duplicate key ${JSON.stringify(key)}: each key may appear once in a mapping`,
        );
        onBadKey?.();
        continue;
      }
      seen.add(key);
      out.push([entry, key]);
    }
    return out;
  }

  manifest(root: SchemaNode): ManifestSecret[] | undefined {
    if (root.type === "null") {
      this.report(root.at, "", "the manifest is empty: start it with version: 1 and a secrets mapping");
      return undefined;
    }
    if (root.type !== "map") {
      this.report(root.at, "", "the manifest must be a mapping with the keys version and secrets");
      return undefined;
    }
    let version: SchemaEntry | undefined;
    let secretsEntry: SchemaEntry | undefined;
    for (const [entry, key] of this.pairs(root, "")) {
      if (key === "version") version = entry;
      else if (key === "secrets") secretsEntry = entry;
      else this.unknownKey(entry, "", key, TOP_KEYS, "at the top level");
    }
    if (!version) this.report(root.at, "", "missing version: add version: 1 at the top");
    else {
      const value = version.value;
      if (!isScalar(value) || value.value !== MANIFEST_VERSION) {
        const shown = isScalar(value) ? JSON.stringify(value.value) : "a collection";
        this.report(
          value.at,
          "version",
          `unsupported manifest version ${shown}: this release reads version ${MANIFEST_VERSION}`,
        );
      }
    }
    if (!secretsEntry) {
      this.report(root.at, "", "missing secrets: add a secrets mapping of secret names");
      return undefined;
    }
    const secrets = secretsEntry.value;
    // `secrets:` with nothing under it (every entry commented out, or a lost indentation) declares
    // nothing by accident: an application with no secrets says so with `secrets: {}`.
    if (secrets.type === "null") {
      this.report(
        secrets.at,
        "secrets",
        "secrets is empty: declare at least one secret under it, or write secrets: {} to declare none",
      );
      return undefined;
    }
    if (secrets.type !== "map") {
      this.report(secrets.at, "secrets", "secrets must be a mapping of secret names");
      return undefined;
    }
    const out: ManifestSecret[] = [];
    for (const [entry, name] of this.pairs(secrets, "secrets")) {
      const secret = this.secret(entry, name);
      if (secret) out.push(secret);
    }
    return out;
  }

  secret(entry: SchemaEntry, name: string): ManifestSecret | undefined {
    const path = `secrets.${name}`;
    try {
      assertValidSecretName(name);
    } catch (error) {
      this.report(entry.keyAt, path, lowerFirst(messageOf(error)));
      return undefined;
    }
    const body = entry.value;
    // `NAME:` with nothing after it declares a required secret someone has to provide.
    if (body.type === "null") return { name, required: true, generate: false };
    if (body.type !== "map") {
      this.report(body.at, path, `${path} must be a mapping of ${SECRET_KEYS.join(", ")}`);
      return undefined;
    }

    let ok = true;
    let description: string | undefined;
    let required = true;
    let generate: GeneratorSpec | false = false;
    let rotation: RotationPeriod | undefined;
    let development: string | undefined;
    const fields = this.pairs(body, path, () => {
      ok = false;
    });
    for (const [field, key] of fields) {
      const value = field.value;
      const fieldPath = `${path}.${key}`;
      switch (key) {
        case "description": {
          const text = this.string(value, fieldPath);
          if (text === undefined) ok = false;
          else description = text;
          break;
        }
        case "required": {
          const flag = this.boolean(value, fieldPath);
          if (flag === undefined) ok = false;
          else required = flag;
          break;
        }
        case "generate": {
          const spec = this.generator(value, fieldPath);
          if (spec === undefined) ok = false;
          else generate = spec;
          break;
        }
        case "rotation": {
          const text = this.string(value, fieldPath, "a period such as 90d");
          if (text === undefined) {
            ok = false;
            break;
          }
          try {
            rotation = parseRotationPeriod(text);
          } catch (error) {
            this.report(value.at, fieldPath, `${fieldPath}: ${lowerFirst(messageOf(error))}`);
            ok = false;
          }
          break;
        }
        case "development": {
          const text = this.string(value, fieldPath);
          if (text === undefined) ok = false;
          else if (text === "") {
            this.report(value.at, fieldPath, `${fieldPath} must not be empty: remove it or give a value`);
            ok = false;
          } else development = text;
          break;
        }
        default:
          this.unknownKey(field, path, key, SECRET_KEYS, `in secret ${name}`);
          ok = false;
      }
    }
    if (!ok) return undefined;
    const secret: {
      -readonly [K in keyof ManifestSecret]: ManifestSecret[K];
    } = { name, required, generate };
    if (description !== undefined) secret.description = description;
    if (rotation !== undefined) secret.rotation = rotation;
    if (development !== undefined) secret.development = development;
    return secret;
  }

  generator(node: SchemaNode, path: string): GeneratorSpec | false | undefined {
    const at = node.at;
    if (node.type === "boolean" && node.value === false) return false;
    const options: { -readonly [K in keyof GeneratorOptions]: GeneratorOptions[K] } = { kind: "hex" };
    const positions = new Map<string, number | undefined>();
    if (node.type === "string") {
      // Shorthand: `generate: hex` takes the defaults of that kind.
      if (!this.kind(node.value as string, at, path)) return undefined;
      options.kind = node.value as GeneratorKind;
    } else if (node.type === "map") {
      let ok = true;
      let sawKind = false;
      const fields = this.pairs(node, path, () => {
        ok = false;
      });
      for (const [field, key] of fields) {
        const value = field.value;
        const fieldPath = `${path}.${key}`;
        positions.set(key, value.at);
        if (key === "kind") {
          sawKind = true;
          const kind = this.string(value, fieldPath, `one of ${GENERATOR_KINDS.join(", ")}`);
          if (kind === undefined || !this.kind(kind, value.at, fieldPath)) ok = false;
          else options.kind = kind as GeneratorKind;
        } else if (key === "length") {
          if (value.type !== "number" || !Number.isInteger(value.value)) {
            this.report(value.at, fieldPath, `${fieldPath} must be a whole number of characters`);
            ok = false;
          } else options.length = value.value as number;
        } else if (key === "lower" || key === "upper" || key === "digits" || key === "symbols") {
          const flag = this.boolean(value, fieldPath);
          if (flag === undefined) ok = false;
          else options[key] = flag;
        } else {
          this.unknownKey(field, path, key, GENERATOR_KEYS, `in ${path}`);
          ok = false;
        }
      }
      if (!sawKind) {
        this.report(at, path, `${path} needs a kind: one of ${GENERATOR_KINDS.join(", ")}`);
        ok = false;
      }
      if (!ok) return undefined;
    } else {
      this.report(
        at,
        path,
        `${path} must be false, a generator kind (${GENERATOR_KINDS.join(", ")}) or a mapping such as { kind: hex, length: 64 }`,
      );
      return undefined;
    }
    try {
      return resolveGenerator(options);
    } catch (error) {
      const field = error instanceof SecretConfigError ? error.field : undefined;
      const where = (field !== undefined ? positions.get(field) : undefined) ?? at;
      this.report(where, path, `${path}: ${lowerFirst(messageOf(error))}`);
      return undefined;
    }
  }

  kind(value: string, at: number | undefined, path: string): boolean {
    if ((GENERATOR_KINDS as readonly string[]).includes(value)) return true;
    const hint = suggest(value, GENERATOR_KINDS);
    this.report(
      at,
      path,
      `unknown generator kind ${JSON.stringify(value)} at ${path}${hint}: use ${GENERATOR_KINDS.join(", ")}`,
    );
    return false;
  }

  unknownKey(entry: SchemaEntry, parent: string, key: string, known: readonly string[], where: string): void {
    const hint = suggest(key, known);
    this.report(
      entry.keyAt,
      parent ? `${parent}.${key}` : key,
      `unknown key ${JSON.stringify(key)} ${where}${hint}: expected ${known.join(", ")}`,
    );
  }

  string(node: SchemaNode, path: string, expected = "a string"): string | undefined {
    if (node.type === "string") return node.value as string;
    this.report(node.at, path, `${path} must be ${expected}, not ${describeNode(node)}`);
    return undefined;
  }

  boolean(node: SchemaNode, path: string): boolean | undefined {
    if (node.type === "boolean") return node.value as boolean;
    this.report(node.at, path, `${path} must be true or false, not ${describeNode(node)}`);
    return undefined;
  }
}

function isScalar(node: SchemaNode): boolean {
  return node.type !== "map" && node.type !== "list" && node.type !== "other";
}

function describeNode(node: SchemaNode): string {
  switch (node.type) {
    case "null":
      return "empty";
    case "map":
      return "a mapping";
    case "list":
      return "a list";
    case "string":
      return "a string";
    case "number":
      return `the number ${node.value}`;
    case "boolean":
      return `${node.value}`;
    default:
      return "that value";
  }
}

function messageOf(error: unknown): string {
  if (error instanceof SecretError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Keep names such as `Length` → `length`, but leave acronyms and quoted names alone. */
export function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]?.toLowerCase() + text.slice(1) : text;
}

/** ` (did you mean 'required'?)` for a near miss, else nothing. */
function suggest(word: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(word.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? "" : ` (did you mean ${JSON.stringify(best)}?)`;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
