import type { Env } from "@org/secrets-core";
import { EXPORT_FORMATS } from "@org/secrets-exporters";
import type { Options } from "yargs";
import { COMMANDS, type CommandName, type CommandSpec, GLOBAL_OPTIONS } from "./options.js";

/*
 * Shell completion. The scripts (`secrets completion bash|zsh|fish`) hand the
 * words typed so far to `secrets __complete WORD...` (the last word is the one
 * being completed, possibly empty), which prints one candidate a line. The
 * candidates come from the command table and the manifest alone: completing
 * never builds a manager, never contacts a provider and never reads a value.
 */

/** The hidden command the scripts call. */
export const COMPLETE_COMMAND = "__complete";

export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** The provider names offered for `--provider`, `--from` and `--to`. */
const PROVIDER_NAMES = ["env", "vault", "aws"] as const;

/** Commands whose positionals are secret names: one, or a list. */
const NAME_POSITIONALS: Readonly<Partial<Record<CommandName, "one" | "many">>> = {
  get: "one",
  set: "one",
  delete: "one",
  restore: "one",
  rotate: "many",
  copy: "many",
};

export interface CompletionPlace {
  cwd: string;
  env: Env;
}

/**
 * The candidates for the last of `words` (the words after `secrets`, as the
 * shell split them; bash splits `--format=js` into `--format`, `=`, `js`).
 * Secret names come from the manifest (`--manifest` among the words,
 * `SECRETS_MANIFEST`, `./secrets.yaml`, else the built-in one); when it cannot
 * be read there are simply no names to offer.
 */
export async function completionCandidates(
  rawWords: readonly string[],
  place: CompletionPlace,
): Promise<string[]> {
  const words = joinEquals(rawWords);
  const current = words.at(-1) ?? "";
  let spec: CommandSpec | undefined;
  let pending: string | undefined;
  let manifest: string | undefined;
  const positionals: string[] = [];
  for (const word of words.slice(0, -1)) {
    if (pending !== undefined) {
      if (pending === "manifest") manifest = word;
      pending = undefined;
      continue;
    }
    // After `--` come the command `run` starts and its arguments: the shell's own completion.
    if (word === "--") return [];
    if (word.startsWith("-") && word.length > 1) {
      const [name = "", inline] = splitOption(word);
      const option = findOption(spec, name);
      if (inline !== undefined) {
        if (name === "manifest") manifest = inline;
      } else if (option !== undefined && takesValue(option)) pending = name;
      continue;
    }
    if (spec === undefined) {
      spec = COMMANDS.find((command) => command.name === word);
      if (spec === undefined) return [];
    } else positionals.push(word);
  }
  const names = () => secretNames(manifest, place);

  if (pending !== undefined) return valuesFor(pending, current, names);
  if (current.startsWith("--") && current.includes("=")) {
    const [name = "", partial = ""] = splitOption(current);
    return (await valuesFor(name, partial, names)).map((value) => `--${name}=${value}`);
  }
  if (current.startsWith("-")) return withPrefix(optionNames(spec), current);
  if (spec === undefined) return withPrefix(COMMAND_LIST, current);
  if (spec.name === "completion")
    return positionals.length === 0 ? withPrefix(COMPLETION_SHELLS, current) : [];
  const kind = NAME_POSITIONALS[spec.name];
  if (kind === undefined || (kind === "one" && positionals.length > 0)) return [];
  const given = new Set(positionals);
  return withPrefix(
    (await names()).filter((name) => !given.has(name)),
    current,
  );
}

/** Every command, the completion command included. */
const COMMAND_LIST: readonly string[] = COMMANDS.map((command) => command.name);

/** bash's `--opt`, `=`, `value` (or `--opt`, `=` for an empty value) as one word. */
function joinEquals(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const previous = out.at(-1);
    if (word === "=" && previous?.startsWith("--") === true && !previous.includes("=")) {
      out[out.length - 1] = `${previous}=${i + 1 < words.length ? words[++i] : ""}`;
      continue;
    }
    out.push(word);
  }
  return out;
}

/** `--name=value` as `[name, value]`, `--name` as `[name, undefined]`; dashes removed. */
function splitOption(word: string): [string, string | undefined] {
  const bare = word.replace(/^-+/, "");
  const equals = bare.indexOf("=");
  return equals === -1 ? [bare, undefined] : [bare.slice(0, equals), bare.slice(equals + 1)];
}

/** The option a word names, by name or one-letter alias: the command's own first, then the global ones. */
function findOption(spec: CommandSpec | undefined, name: string): Options | undefined {
  const tables = [spec?.options ?? {}, GLOBAL_OPTIONS];
  for (const table of tables) {
    for (const [key, option] of Object.entries(table)) {
      const aliases = option.alias === undefined ? [] : [option.alias].flat();
      if (key === name || aliases.includes(name)) return option;
    }
  }
  return undefined;
}

function takesValue(option: Options): boolean {
  return option.type !== "boolean";
}

/** `--name` for every option the command (or, before one, the top level) takes. */
function optionNames(spec: CommandSpec | undefined): string[] {
  const out: string[] = [];
  for (const [name, option] of Object.entries(spec?.options ?? {})) {
    out.push(`--${name}`);
    if (option.type === "boolean" && option.default === true) out.push(`--no-${name}`);
  }
  out.push(...Object.keys(GLOBAL_OPTIONS).map((name) => `--${name}`), "--help");
  if (spec === undefined) out.push("--version");
  return out;
}

/** The values an option takes, where they are a known few (or secret names). */
async function valuesFor(option: string, partial: string, names: () => Promise<string[]>): Promise<string[]> {
  switch (option) {
    case "format":
      return withPrefix(EXPORT_FORMATS, partial);
    case "provider":
    case "from":
    case "to":
      return withPrefix(PROVIDER_NAMES, partial);
    case "only": {
      // A comma-separated list: complete its last item, keep the ones before.
      const comma = partial.lastIndexOf(",");
      const head = partial.slice(0, comma + 1);
      const given = new Set(head.split(","));
      return withPrefix(
        (await names()).filter((name) => !given.has(name)),
        partial.slice(comma + 1),
      ).map((name) => head + name);
    }
    default:
      // Files and free text: the shell's own completion.
      return [];
  }
}

function withPrefix(candidates: readonly string[], prefix: string): string[] {
  return candidates.filter((candidate) => candidate.startsWith(prefix));
}

/** The manifest's secret names, in its order; none when it cannot be read. */
async function secretNames(manifest: string | undefined, place: CompletionPlace): Promise<string[]> {
  try {
    const { loadManifest } = await import("@org/secrets-initializer");
    const loaded = await loadManifest({ path: manifest, cwd: place.cwd, env: place.env });
    return loaded.secrets.map((secret) => secret.name);
  } catch {
    return [];
  }
}

/** The shell a `$SHELL` path names, when it is one we have a script for. */
export function shellFromPath(shell: string | undefined): CompletionShell | undefined {
  const name = (shell ?? "").split("/").at(-1) ?? "";
  return (COMPLETION_SHELLS as readonly string[]).includes(name) ? (name as CompletionShell) : undefined;
}

/** The completion script for `shell`, completing the command `program`. */
export function completionScript(shell: CompletionShell, program = "secrets"): string {
  const fn = `_${program.replace(/[^A-Za-z0-9_]/g, "_")}_complete`;
  switch (shell) {
    case "bash":
      return `# bash completion for ${program}. Install: ${program} completion bash > /etc/bash_completion.d/${program}
# (or add 'source <(${program} completion bash)' to ~/.bashrc).
${fn}() {
  local line strip=
  # bash splits --format=json at '=': readline then replaces only what follows it.
  if [[ \${COMP_WORDS[COMP_CWORD]} == "=" || ( \${COMP_CWORD} -gt 1 && \${COMP_WORDS[COMP_CWORD-1]} == "=" ) ]]; then
    strip=1
  fi
  COMPREPLY=()
  while IFS= read -r line; do
    [[ -n \${line} ]] || continue
    if [[ -n \${strip} ]]; then line=\${line#*=}; fi
    COMPREPLY+=("\${line}")
  done < <(${program} ${COMPLETE_COMMAND} "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
}
complete -o default -F ${fn} ${program}
`;
    case "zsh":
      return `#compdef ${program}
# zsh completion for ${program}. Install: ${program} completion zsh > "\${fpath[1]}/_${program}"
# (or add 'source <(${program} completion zsh)' to ~/.zshrc, after compinit).
${fn}() {
  local -a candidates
  candidates=("\${(@f)$(${program} ${COMPLETE_COMMAND} "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  if (( \${#candidates} )); then
    compadd -- "\${(@)candidates}"
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == "_${program}" ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${program}
fi
`;
    case "fish":
      return `# fish completion for ${program}. Install: ${program} completion fish > ~/.config/fish/completions/${program}.fish
function ${fn}
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l current (commandline -ct)
    set -l candidates (${program} ${COMPLETE_COMMAND} $tokens "$current" 2>/dev/null)
    if test (count $candidates) -gt 0
        printf '%s\\n' $candidates
    else
        __fish_complete_path "$current"
    end
end
complete -c ${program} -f -a '(${fn})'
`;
  }
}
