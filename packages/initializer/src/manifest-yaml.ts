/**
 * Manifest files: YAML parsed (with `yaml`, loaded on first use) and presented
 * to the manifest schema as nodes carrying their offsets, so every problem is
 * reported at its `line:column`.
 */
import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import type { Alias, Document, Node, Pair, YAMLError } from "yaml";
import {
  MANIFEST_VERSION,
  type Manifest,
  ManifestError,
  type ManifestIssue,
  type ManifestSecret,
  markChecked,
} from "./manifest-model.js";
import {
  lowerFirst,
  type NodeType,
  type ReportIssue,
  readManifestNode,
  type SchemaEntry,
  type SchemaNode,
} from "./manifest-schema.js";

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

/** Problems collected before a manifest is given up on; the error says how many were found. */
const MAX_ISSUES = 100;

/** Thrown inside the parse to stop at `MAX_ISSUES`; never escapes `parseManifest`. */
class TooManyIssues extends Error {}

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
  // Duplicate keys are found by the schema with a Set: yaml's own check compares
  // each key with every earlier one, which is quadratic in the size of a mapping.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, schema: "core" });
  const issues: ManifestIssue[] = [];
  const report = (offset: number | undefined, path: string, message: string) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
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
    const nodes = new YamlNodes(doc, report);
    secrets = readManifestNode(nodes.value(doc.contents, undefined), report);
  } catch (error) {
    if (!(error instanceof TooManyIssues)) throw error;
  }
  if (issues.length > 0 || secrets === undefined) fail();
  return markChecked(
    Object.freeze({
      version: MANIFEST_VERSION,
      source,
      secrets: Object.freeze((secrets as ManifestSecret[]).map(freezeSecret)),
    }),
  );
}

function freezeSecret(secret: ManifestSecret): ManifestSecret {
  if (secret.generate) Object.freeze(secret.generate);
  if (secret.rotation) Object.freeze(secret.rotation);
  return Object.freeze(secret);
}

/** A YAML document's nodes as schema nodes: aliases resolved, each value at its own offset (else its key's). */
class YamlNodes {
  /** Each alias and the node it refers to, found in one pass over the document. */
  readonly #aliases = new Map<Alias, Node | null>();

  constructor(doc: Document, report: ReportIssue) {
    // yaml's Alias.resolve walks the whole document on every call, which makes
    // many aliases quadratic; one walk in document order resolves them all
    // (an alias refers to the last anchor of its name before it).
    const anchors = new Map<string, Node>();
    yaml().visit(doc, {
      Node: (_key, node) => {
        if (yaml().isAlias(node)) {
          const target = anchors.get(node.source);
          // yaml leaves an alias to no anchor for later: read as empty it would hide what it stood for.
          if (target === undefined)
            report(
              node.range?.[0],
              "",
              `alias *${node.source} refers to no anchor: define &${node.source} before it`,
            );
          this.#aliases.set(node, target ?? null);
        } else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
  }

  /** The schema node of `raw` (the value of `parent`, when it has one). */
  value(raw: AnyNode, parent: Pair | undefined): SchemaNode {
    const node = this.#deref(raw);
    const at = start(node, parent);
    const { isMap, isScalar, isSeq } = yaml();
    let type: NodeType = "other";
    let value: unknown;
    if (node === null || node === undefined) type = "null";
    else if (isMap(node)) type = "map";
    else if (isSeq(node)) type = "list";
    else if (isScalar(node)) {
      value = node.value;
      type = scalarType(value);
    }
    const entries = (): SchemaEntry[] =>
      node !== null && node !== undefined && isMap(node) ? node.items.map((pair) => this.#entry(pair)) : [];
    return { type, value, at, entries };
  }

  #entry(pair: Pair): SchemaEntry {
    const key = this.#deref(pair.key as AnyNode);
    const plain =
      yaml().isScalar(key) && (typeof key.value === "string" || typeof key.value === "number")
        ? String(key.value)
        : undefined;
    return {
      key: plain,
      // A key that is not a plain name is shown where it resolves to; any other at the key itself.
      keyAt: plain === undefined ? start(key, pair) : start(pair.key as AnyNode, pair),
      value: this.value(pair.value as AnyNode, pair),
    };
  }

  #deref(node: AnyNode): AnyNode {
    if (yaml().isAlias(node)) return this.#aliases.get(node) ?? null;
    return node;
  }
}

function scalarType(value: unknown): NodeType {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return "other";
  }
}

function start(node: AnyNode, parent?: Pair): number {
  const own = node?.range?.[0];
  if (own !== undefined) return own;
  const key = parent?.key as AnyNode;
  return key?.range?.[0] ?? 0;
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
