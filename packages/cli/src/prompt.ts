import type { CliIO } from "./io.js";

/** The user pressed Ctrl-C or closed the input at a prompt. Not a `SecretError`: it exits 1. */
export class PromptCancelledError extends Error {
  constructor() {
    super("Cancelled");
    this.name = "PromptCancelledError";
  }
}

const ENTER = new Set(["\r", "\n"]);
const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const BACKSPACE = new Set(["\u007f", "\b"]);
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences (arrow keys and the like)
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?/g;

/**
 * Ask for a value without echoing it: the terminal is put in raw mode and
 * nothing typed is written back. The question goes to stderr, so stdout stays
 * clean. Backspace edits; Enter ends; Ctrl-C or end of input cancels.
 */
export function readHidden(io: CliIO, question: string): Promise<string> {
  io.stderr.write(question);
  const raw = typeof io.stdin.setRawMode === "function";
  if (raw) io.stdin.setRawMode?.(true);
  let value = "";
  return readUntil(io, (chunk) => {
    const chars = [...chunk.replace(ESCAPE_SEQUENCE, "")];
    for (const [i, char] of chars.entries()) {
      if (ENTER.has(char) || (char === CTRL_D && value !== ""))
        return { done: value, rest: chars.slice(i + 1).join("") };
      if (char === CTRL_C || char === CTRL_D) return { cancel: true };
      if (BACKSPACE.has(char)) value = [...value].slice(0, -1).join("");
      else value += char;
    }
    return undefined;
  }).finally(() => {
    if (raw) io.stdin.setRawMode?.(false);
    io.stderr.write("\n");
  });
}

/** Ask a yes/no question on stderr and read one line; only `y` or `yes` (any case) is yes. */
export async function confirm(io: CliIO, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  let line = "";
  const answer = await readUntil(io, (chunk) => {
    const chars = [...chunk];
    for (const [i, char] of chars.entries()) {
      if (ENTER.has(char)) return { done: line, rest: chars.slice(i + 1).join("") };
      if (char === CTRL_C) return { cancel: true };
      line += char;
    }
    return undefined;
  });
  return /^\s*y(es)?\s*$/i.test(answer);
}

/** `rest`: what was typed after Enter, kept for the next prompt. */
type Step = { done: string; rest: string } | { cancel: true } | undefined;

/**
 * Feed stdin chunks to `step` until it is done; detach afterwards so the
 * process can exit, and put back what was typed ahead for the next read.
 */
function readUntil(io: CliIO, step: (chunk: string) => Step): Promise<string> {
  const input = io.stdin;
  return new Promise<string>((resolve, reject) => {
    const decoder = new TextDecoder();
    const cleanup = () => {
      input.removeListener("data", onData);
      input.removeListener("end", onEnd);
      input.removeListener("error", onError);
      input.pause();
    };
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      const result = step(text);
      if (result === undefined) return;
      cleanup();
      if ("cancel" in result) {
        reject(new PromptCancelledError());
        return;
      }
      if (result.rest !== "") input.unshift(Buffer.from(result.rest, "utf8"));
      resolve(result.done);
    };
    const onEnd = () => {
      cleanup();
      reject(new PromptCancelledError());
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    input.on("data", onData);
    input.once("end", onEnd);
    input.once("error", onError);
    input.resume();
  });
}
