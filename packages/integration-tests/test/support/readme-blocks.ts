/**
 * The fenced code blocks of every README, with what the docs test must do with
 * each. A block is checked according to its language; an HTML comment on the
 * line before the fence (blank lines allowed between) changes that:
 *
 *   <!-- docs-test: typecheck-only -->             TypeScript compiled, not run (a fragment)
 *   <!-- docs-test: vitest -->                     TypeScript compiled, then run as a test file
 *                                                   with the installed vitest
 *   <!-- docs-test: typecheck-only, same-as PKG --> also: every interface / type it declares
 *                                                   equals the one PKG exports under that name
 *   <!-- docs-test: vault -->  /  <!-- docs-test: aws -->
 *                                                   run against a real OpenBao / moto server
 *   <!-- docs-test: syntax-only (reason) -->        shell parsed (`bash -n`), not run
 *   <!-- docs-test: manifest-error -->              a secrets manifest that must be rejected; the
 *                                                   next `text` block is the error's message and the
 *                                                   one after it its issues
 *   <!-- docs-test: skip (reason) -->               not checked at all; the reason is required
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export type BlockMode = "default" | "typecheck-only" | "vitest" | "syntax-only" | "manifest-error" | "skip";

export interface ReadmeBlock {
  /** The README, relative to the repository root (`packages/core/README.md`). */
  readonly readme: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The fence's language, lower case; "" when none. */
  readonly lang: string;
  readonly code: string;
  readonly mode: BlockMode;
  /** `vault` or `aws` when the block needs that real backend. */
  readonly backend: "vault" | "aws" | undefined;
  /** The package whose exported types a `same-as` block restates. */
  readonly sameAs: string | undefined;
  readonly reason: string | undefined;
  /** A file the prose right before the block says it is (`[`examples/x.ts`](examples/x.ts)`), relative to the README. */
  readonly mirrors: string | undefined;
  /** A stable id for file names and test titles. */
  readonly id: string;
}

const DIRECTIVE = /^<!--\s*docs-test:\s*(.*?)\s*-->$/;

/** Every README.md of the repository that documents something a user runs. */
export function findReadmes(root: string): string[] {
  const found = ["README.md"];
  for (const parent of ["packages", "apps"]) {
    for (const entry of readdirSync(path.join(root, parent), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const file = path.join(parent, entry.name, "README.md");
      try {
        readFileSync(path.join(root, file));
        found.push(file);
      } catch {
        // a package without a README
      }
    }
  }
  found.push("deploy/README.md");
  return found.sort();
}

export function parseDirective(text: string): Pick<ReadmeBlock, "mode" | "backend" | "sameAs" | "reason"> {
  const reason = /\(([^)]+)\)\s*$/.exec(text)?.[1]?.trim();
  const words = text
    .replace(/\(([^)]+)\)\s*$/, "")
    .split(/[\s,]+/)
    .filter(Boolean);
  let mode: BlockMode = "default";
  let backend: ReadmeBlock["backend"];
  let sameAs: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (
      word === "typecheck-only" ||
      word === "vitest" ||
      word === "syntax-only" ||
      word === "manifest-error" ||
      word === "skip"
    ) {
      mode = word;
    } else if (word === "vault" || word === "aws") {
      backend = word;
    } else if (word === "same-as") {
      sameAs = words[++i];
      if (sameAs === undefined)
        throw new Error(`docs-test directive "${text}": same-as needs a package name`);
    } else {
      throw new Error(`docs-test directive "${text}": unknown word "${word}"`);
    }
  }
  if ((mode === "skip" || mode === "syntax-only") && !reason) {
    throw new Error(`docs-test directive "${text}": ${mode} needs a reason in parentheses`);
  }
  return { mode, backend, sameAs, reason };
}

export function extractBlocks(root: string, readme: string): ReadmeBlock[] {
  const lines = readFileSync(path.join(root, readme), "utf8").split("\n");
  const blocks: ReadmeBlock[] = [];
  let prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i] ?? "");
    if (!open) {
      prose.push(lines[i] ?? "");
      continue;
    }
    const [, indent = "", fence = "```", lang = ""] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? "";
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, "") === "") break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    if (j >= lines.length) throw new Error(`${readme}:${i + 1}: unterminated code block`);
    // The directive: the last non-blank prose line before the fence.
    let k = prose.length - 1;
    while (k >= 0 && (prose[k] ?? "").trim() === "") k--;
    const directive = DIRECTIVE.exec((prose[k] ?? "").trim());
    const parsed = directive ? parseDirective(directive[1] ?? "") : parseDirective("");
    // "This file is … ([`examples/x.ts`](examples/x.ts))" in the paragraph before the block.
    const paragraph = prose.slice(Math.max(0, k - 3), k + 1).join("\n");
    const mirrors = /\]\(((?:\.\/)?examples\/[\w./-]+\.ts)\)/.exec(paragraph)?.[1];
    const slug = readme.replace(/\/?README\.md$/, "").replace(/[^\w]+/g, "-") || "root";
    blocks.push({
      readme,
      line: i + 1,
      lang: lang.toLowerCase(),
      code: `${body.join("\n")}\n`,
      ...parsed,
      mirrors,
      id: `${slug}-L${i + 1}`,
    });
    prose = [];
    i = j;
  }
  return blocks;
}

export const TS_LANGS = new Set(["ts", "typescript", "js", "javascript", "mjs"]);
export const SH_LANGS = new Set(["sh", "bash", "shell", "console"]);
export const YAML_LANGS = new Set(["yaml", "yml"]);
/** Output, messages and layouts: prose in a fence, nothing to run. */
export const TEXT_LANGS = new Set(["", "text", "txt"]);
export const OTHER_CHECKED = new Set(["json", "dockerfile", "hcl"]);

/**
 * One shell command per entry: continuation lines joined, blank and comment
 * lines dropped, with the 1-based line within the block where it starts.
 */
export function shellCommands(code: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const lines = code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i] ?? "";
    while (/\\\s*$/.test(text) && i + 1 < lines.length) text = `${text.replace(/\\\s*$/, "")} ${lines[++i]}`;
    if (text.trim() === "" || text.trim().startsWith("#")) continue;
    out.push({ line: start + 1, text });
  }
  return out;
}

/** The program a command line runs, past `VAR=value` prefixes: `secrets`, `npx`, `export`… */
export function commandWord(text: string): string {
  const words = text.trim().split(/\s+/);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] ?? "")) i++;
  return words[i] ?? "";
}

/** The `@org/*` packages a piece of TypeScript imports (statically or with `import()`). */
export function importedPackages(code: string): Set<string> {
  const found = new Set<string>();
  for (const match of code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](@org\/[\w.-]+)/g)) {
    if (match[1]) found.add(match[1]);
  }
  return found;
}

/** The packages named by the `npm install` lines of a README's shell blocks. */
export function installedByReadme(blocks: readonly ReadmeBlock[]): Set<string> {
  const found = new Set<string>();
  for (const block of blocks) {
    if (!SH_LANGS.has(block.lang)) continue;
    for (const { text } of shellCommands(block.code)) {
      const command = text.replace(/#.*$/, "").trim();
      if (!/^npm (install|i|add)\b/.test(command)) continue;
      for (const word of command.split(/\s+/).slice(2)) {
        if (!word.startsWith("-")) found.add(word.replace(/(?<=.)@[^/]*$/, ""));
      }
    }
  }
  return found;
}

/** The parts of a command line joined by `&&`, `||` or `;`. */
export function lineSegments(text: string): string[] {
  return text
    .replace(/\s#.*$/, "")
    .split(/&&|\|\||;/)
    .map((s) => s.trim())
    .filter(Boolean);
}
