import { createRequire } from "node:module";
import { SecretConfigError, SecretError } from "@org/secrets-core";
import { assertValidSecretName, isValidSecretName } from "@org/secrets-core/provider";
import type * as Yaml from "yaml";
import type { Alias, Document, Node, Pair, Scalar, YAMLError, YAMLMap, YAMLSeq } from "yaml";
import {
  GENERATOR_KINDS,
  type GeneratorKind,
  type GeneratorOptions,
  type GeneratorSpec,
  resolveGenerator,
} from "./generators.js";
import { parseRotationPeriod, type RotationPeriod } from "./rotation-period.js";

let yamlModule: typeof Yaml | undefined;

/**
 * `yaml` is loaded when a manifest file is first read, not at import: a command
 * that runs on the built-in manifest (no secrets.yaml) never pays for it.
 * `loadManifest` loads it with `import()` (which bundlers follow); a direct
 * `parseManifest` call before that loads it synchronously.
 */
export async function loadYamlParser(): Promise<void> {
  yamlModule ??= (await import("yaml")) as typeof Yaml;
}

function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof Yaml;
  return yamlModule;
}

function isAlias(node: unknown): node is Alias {
  return yaml().isAlias(node);
}

function isMap(node: unknown): node is YAMLMap {
  return yaml().isMap(node);
}

function isScalar(node: unknown): node is Scalar {
  return yaml().isScalar(node);
}

function isSeq(node: unknown): node is YAMLSeq {
  return yaml().isSeq(node);
}

/** One secret the application expects. */
export interface ManifestSecret {
  readonly name: string;
  readonly description?: string | undefined;
  /** A required secret that is missing makes the application unable to start. */
  readonly required: boolean;
  /** How to generate a value, or `false` when someone has to provide it. */
  readonly generate: GeneratorSpec | false;
  /** How often it should be rotated; absent when rotation is not tracked. */
  readonly rotation?: RotationPeriod | undefined;
  /** A value used only with the `env` provider outside production, when the secret is missing. */
  readonly development?: string | undefined;
}

/** The secrets an application expects, in declaration order. */
export interface Manifest {
  readonly version: 1;
  /** Where it came from: a file path, or `"built-in"`. */
  readonly source: string;
  readonly secrets: readonly ManifestSecret[];
}

/** One problem found in a manifest file. */
export interface ManifestIssue {
  readonly message: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** The key path, for example `secrets.SECRET_KEY.generate.kind`; empty for syntax errors. */
  readonly path: string;
}

/**
 * A manifest that cannot be used. The message is the first problem as
 * `file:line:col: what is wrong`; `issues` holds every problem found.
 */
export class ManifestError extends SecretConfigError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly issues: readonly ManifestIssue[];

  /** Standard message (when `message` is `undefined`): `file:line:col: what is wrong (and N more problems)`. */
  constructor(
    message: string | undefined,
    options: { file: string; issues: readonly [ManifestIssue, ...ManifestIssue[]]; cause?: unknown },
  ) {
    const { file, issues } = options;
    const first = issues[0];
    const more =
      issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    super(message ?? `${file}:${first.line}:${first.column}: ${first.message}${more}`, {
      field: `${file}:${first.line}:${first.column}`,
      cause: options.cause,
    });
    this.file = file;
    this.line = first.line;
    this.column = first.column;
    this.issues = issues;
  }
}

/** The one manifest format version this release reads. */
export const MANIFEST_VERSION = 1;

/** Problems collected before a manifest is given up on; the error says how many were found. */
const MAX_ISSUES = 100;

/** Thrown inside the parse to stop at `MAX_ISSUES`; never escapes `parseManifest`. */
class TooManyIssues extends Error {}

const TOP_KEYS = ["version", "secrets"] as const;
const SECRET_KEYS = ["description", "required", "generate", "rotation", "development"] as const;
const GENERATOR_KEYS = ["kind", "length", "lower", "upper", "digits", "symbols"] as const;

type AnyNode = Node | null | undefined;

/**
 * Parse and validate a manifest. Every problem is reported with its position;
 * the first one becomes the message of the `ManifestError` thrown.
 *
 * @param text the YAML text
 * @param source the file name shown in errors and kept as `manifest.source`
 */
export function parseManifest(text: string, source = "secrets.yaml"): Manifest {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  // Duplicate keys are found by the walker with a Set: yaml's own check compares
  // each key with every earlier one, which is quadratic in the size of a mapping.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, schema: "core" });
  const issues: ManifestIssue[] = [];
  const report = (offset: number, path: string, message: string) => {
    const { line, col } = lineCounter.linePos(offset);
    issues.push({ message, line, column: col, path });
    // A file full of mistakes is not worth walking to the end: stop at a bounded number of problems.
    if (issues.length >= MAX_ISSUES) throw new TooManyIssues();
  };
  // Issues are reported in document order as the walk meets them.
  const fail = (): never => {
    const [first, ...rest] = issues;
    throw new ManifestError(undefined, {
      file: source,
      issues: [first ?? { message: "invalid manifest", line: 1, column: 1, path: "" }, ...rest],
    });
  };

  let secrets: ManifestSecret[] | undefined;
  try {
    for (const problem of [...doc.errors, ...doc.warnings])
      report(problem.pos[0], "", yamlMessage(problem, text));
    if (issues.length > 0) fail();
    const walker = new Walker(doc, report);
    secrets = walker.manifest(doc.contents);
  } catch (error) {
    if (!(error instanceof TooManyIssues)) throw error;
  }
  if (issues.length > 0 || secrets === undefined) fail();
  return Object.freeze({
    version: MANIFEST_VERSION,
    source,
    secrets: Object.freeze((secrets as ManifestSecret[]).map(freezeSecret)),
  });
}

function freezeSecret(secret: ManifestSecret): ManifestSecret {
  if (secret.generate) Object.freeze(secret.generate);
  if (secret.rotation) Object.freeze(secret.rotation);
  return Object.freeze(secret);
}

class Walker {
  /** Each alias and the node it refers to, found in one pass over the document. */
  readonly #aliases = new Map<Alias, Node | null>();

  constructor(
    doc: Document,
    private readonly report: (offset: number, path: string, message: string) => void,
  ) {
    // yaml's Alias.resolve walks the whole document on every call, which makes
    // many aliases quadratic; one walk in document order resolves them all
    // (an alias refers to the last anchor of its name before it).
    const anchors = new Map<string, Node>();
    yaml().visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node)) this.#aliases.set(node, anchors.get(node.source) ?? null);
        else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
  }

  /** A mapping's pairs with their keys; a key seen before in the same mapping is reported and left out. */
  pairs(map: YAMLMap, parent: string, onBadKey?: () => void): Array<[Pair, string]> {
    const seen = new Set<string>();
    const out: Array<[Pair, string]> = [];
    for (const pair of map.items) {
      const key = this.key(pair, parent);
      if (key === undefined) {
        onBadKey?.();
        continue;
      }
      if (seen.has(key)) {
        this.report(
          start(pair.key as AnyNode, pair),
          parent ? `${parent}.${key}` : key,
          `duplicate key ${JSON.stringify(key)}: each key may appear once in a mapping`,
        );
        onBadKey?.();
        continue;
      }
      seen.add(key);
      out.push([pair, key]);
    }
    return out;
  }

  manifest(contents: AnyNode): ManifestSecret[] | undefined {
    const root = this.deref(contents);
    if (root === undefined || root === null || (isScalar(root) && root.value === null)) {
      this.report(0, "", "the manifest is empty: start it with version: 1 and a secrets mapping");
      return undefined;
    }
    if (!isMap(root)) {
      this.report(start(root), "", "the manifest must be a mapping with the keys version and secrets");
      return undefined;
    }
    let version: Pair | undefined;
    let secretsPair: Pair | undefined;
    for (const [pair, key] of this.pairs(root, "")) {
      if (key === "version") version = pair;
      else if (key === "secrets") secretsPair = pair;
      else this.unknownKey(pair, "", key, TOP_KEYS, "at the top level");
    }
    if (!version) this.report(start(root), "", "missing version: add version: 1 at the top");
    else {
      const value = this.deref(version.value as AnyNode);
      if (!isScalar(value) || value.value !== MANIFEST_VERSION) {
        const shown = isScalar(value) ? JSON.stringify(value.value) : "a collection";
        this.report(
          start(value, version),
          "version",
          `unsupported manifest version ${shown}: this release reads version ${MANIFEST_VERSION}`,
        );
      }
    }
    if (!secretsPair) {
      this.report(start(root), "", "missing secrets: add a secrets mapping of secret names");
      return undefined;
    }
    const secretsNode = this.deref(secretsPair.value as AnyNode);
    if (isScalar(secretsNode) && secretsNode.value === null) return [];
    if (!isMap(secretsNode)) {
      this.report(start(secretsNode, secretsPair), "secrets", "secrets must be a mapping of secret names");
      return undefined;
    }
    const out: ManifestSecret[] = [];
    for (const [pair, name] of this.pairs(secretsNode, "secrets")) {
      const secret = this.secret(pair, name);
      if (secret) out.push(secret);
    }
    return out;
  }

  secret(pair: Pair, name: string): ManifestSecret | undefined {
    const path = `secrets.${name}`;
    try {
      assertValidSecretName(name);
    } catch (error) {
      this.report(start(pair.key as AnyNode, pair), path, lowerFirst(messageOf(error)));
      return undefined;
    }
    const body = this.deref(pair.value as AnyNode);
    // `NAME:` with nothing after it declares a required secret someone has to provide.
    if (body === null || body === undefined || (isScalar(body) && body.value === null))
      return { name, required: true, generate: false };
    if (!isMap(body)) {
      this.report(start(body, pair), path, `${path} must be a mapping of ${SECRET_KEYS.join(", ")}`);
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
      const value = this.deref(field.value as AnyNode);
      const at = start(value, field);
      const fieldPath = `${path}.${key}`;
      switch (key) {
        case "description": {
          const text = this.string(value, at, fieldPath);
          if (text === undefined) ok = false;
          else description = text;
          break;
        }
        case "required": {
          const flag = this.boolean(value, at, fieldPath);
          if (flag === undefined) ok = false;
          else required = flag;
          break;
        }
        case "generate": {
          const spec = this.generator(value, at, fieldPath);
          if (spec === undefined) ok = false;
          else generate = spec;
          break;
        }
        case "rotation": {
          const text = this.string(value, at, fieldPath, "a period such as 90d");
          if (text === undefined) {
            ok = false;
            break;
          }
          try {
            rotation = parseRotationPeriod(text);
          } catch (error) {
            this.report(at, fieldPath, `${fieldPath}: ${lowerFirst(messageOf(error))}`);
            ok = false;
          }
          break;
        }
        case "development": {
          const text = this.string(value, at, fieldPath);
          if (text === undefined) ok = false;
          else if (text === "") {
            this.report(at, fieldPath, `${fieldPath} must not be empty: remove it or give a value`);
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

  generator(node: AnyNode, at: number, path: string): GeneratorSpec | false | undefined {
    if (isScalar(node) && node.value === false) return false;
    const options: { -readonly [K in keyof GeneratorOptions]: GeneratorOptions[K] } = { kind: "hex" };
    const positions = new Map<string, number>();
    if (isScalar(node) && typeof node.value === "string") {
      // Shorthand: `generate: hex` takes the defaults of that kind.
      if (!this.kind(node.value, at, path)) return undefined;
      options.kind = node.value as GeneratorKind;
    } else if (isMap(node)) {
      let ok = true;
      let sawKind = false;
      const fields = this.pairs(node, path, () => {
        ok = false;
      });
      for (const [field, key] of fields) {
        const value = this.deref(field.value as AnyNode);
        const valueAt = start(value, field);
        const fieldPath = `${path}.${key}`;
        positions.set(key, valueAt);
        if (key === "kind") {
          sawKind = true;
          const kind = this.string(value, valueAt, fieldPath, `one of ${GENERATOR_KINDS.join(", ")}`);
          if (kind === undefined || !this.kind(kind, valueAt, fieldPath)) ok = false;
          else options.kind = kind as GeneratorKind;
        } else if (key === "length") {
          if (!isScalar(value) || typeof value.value !== "number" || !Number.isInteger(value.value)) {
            this.report(valueAt, fieldPath, `${fieldPath} must be a whole number of characters`);
            ok = false;
          } else options.length = value.value;
        } else if (key === "lower" || key === "upper" || key === "digits" || key === "symbols") {
          const flag = this.boolean(value, valueAt, fieldPath);
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

  kind(value: string, at: number, path: string): boolean {
    if ((GENERATOR_KINDS as readonly string[]).includes(value)) return true;
    const hint = suggest(value, GENERATOR_KINDS);
    this.report(
      at,
      path,
      `unknown generator kind ${JSON.stringify(value)} at ${path}${hint}: use ${GENERATOR_KINDS.join(", ")}`,
    );
    return false;
  }

  key(pair: Pair, parent: string): string | undefined {
    const key = this.deref(pair.key as AnyNode);
    if (isScalar(key) && (typeof key.value === "string" || typeof key.value === "number"))
      return String(key.value);
    this.report(start(key, pair), parent, `keys${parent ? ` in ${parent}` : ""} must be plain names`);
    return undefined;
  }

  unknownKey(pair: Pair, parent: string, key: string, known: readonly string[], where: string): void {
    const hint = suggest(key, known);
    this.report(
      start(pair.key as AnyNode, pair),
      parent ? `${parent}.${key}` : key,
      `unknown key ${JSON.stringify(key)} ${where}${hint}: expected ${known.join(", ")}`,
    );
  }

  string(node: AnyNode, at: number, path: string, expected = "a string"): string | undefined {
    if (isScalar(node) && typeof node.value === "string") return node.value;
    this.report(at, path, `${path} must be ${expected}, not ${describeNode(node)}`);
    return undefined;
  }

  boolean(node: AnyNode, at: number, path: string): boolean | undefined {
    if (isScalar(node) && typeof node.value === "boolean") return node.value;
    this.report(at, path, `${path} must be true or false, not ${describeNode(node)}`);
    return undefined;
  }

  deref(node: AnyNode): AnyNode {
    if (isAlias(node)) return this.#aliases.get(node) ?? null;
    return node;
  }
}

function start(node: AnyNode, parent?: Pair): number {
  const own = node?.range?.[0];
  if (own !== undefined) return own;
  const key = parent?.key as AnyNode;
  return key?.range?.[0] ?? 0;
}

function describeNode(node: AnyNode): string {
  if (node === null || node === undefined) return "empty";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return "empty";
    if (typeof value === "string") return "a string";
    if (typeof value === "number") return `the number ${value}`;
    if (typeof value === "boolean") return `${value}`;
  }
  return "that value";
}

function yamlMessage(problem: YAMLError, text: string): string {
  if (problem.code === "DUPLICATE_KEY") {
    const rest = text.slice(problem.pos[0]);
    const key = /^(?:"[^"\n]*"|'[^'\n]*'|[^\s:,{}[\]]+)/.exec(rest)?.[0] ?? rest.slice(0, 1);
    const shown = /^["']/.test(key) ? key.slice(1, -1) : key;
    return `duplicate key ${JSON.stringify(shown)}: each key may appear once in a mapping`;
  }
  if (problem.code === "MULTIPLE_DOCS")
    return "a manifest is one YAML document: remove the extra --- separator";
  const first = problem.message.split("\n")[0] ?? problem.message;
  return `invalid YAML: ${lowerFirst(first.replace(/ at line \d+, column \d+:?$/, "").trim())}`;
}

function messageOf(error: unknown): string {
  if (error instanceof SecretError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function lowerFirst(text: string): string {
  // Keep names such as `Length` → `length`, but leave acronyms and quoted names alone.
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

/** Secret manifests built in code go through the same checks as files. */
export function validateManifest(manifest: Manifest): Manifest {
  const seen = new Set<string>();
  const problem = (message: string): never => {
    throw new SecretConfigError(`Invalid manifest ${manifest.source}: ${message}`, {
      field: manifest.source,
    });
  };
  if (manifest.version !== MANIFEST_VERSION)
    problem(`unsupported version ${JSON.stringify(manifest.version)}`);
  if (!Array.isArray(manifest.secrets)) problem("secrets must be a list");
  for (const secret of manifest.secrets) {
    if (!isValidSecretName(secret?.name)) problem(`invalid secret name ${JSON.stringify(secret?.name)}`);
    if (seen.has(secret.name)) problem(`secret ${secret.name} is declared twice`);
    seen.add(secret.name);
    if (typeof secret.required !== "boolean") problem(`${secret.name}.required must be true or false`);
    if (secret.generate !== false) {
      try {
        resolveGenerator(secret.generate);
      } catch (error) {
        problem(`${secret.name}.generate: ${lowerFirst(messageOf(error))}`);
      }
    }
    if (secret.rotation !== undefined && !(Number.isFinite(secret.rotation.ms) && secret.rotation.ms > 0))
      problem(`${secret.name}.rotation must be a positive period`);
    if (
      secret.development !== undefined &&
      (typeof secret.development !== "string" || secret.development === "")
    )
      problem(`${secret.name}.development must be a non-empty string`);
  }
  return manifest;
}
