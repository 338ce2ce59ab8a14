import { redact } from "@org/secrets-core";
import { type CliIO, useColor } from "./io.js";

export interface Palette {
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export const PLAIN: Palette = {
  green: (t) => t,
  yellow: (t) => t,
  red: (t) => t,
  dim: (t) => t,
  bold: (t) => t,
};

const ANSI: Palette = {
  green: (t) => `\u001b[32m${t}\u001b[39m`,
  yellow: (t) => `\u001b[33m${t}\u001b[39m`,
  red: (t) => `\u001b[31m${t}\u001b[39m`,
  dim: (t) => `\u001b[2m${t}\u001b[22m`,
  bold: (t) => `\u001b[1m${t}\u001b[22m`,
};

/**
 * How commands print. Data (a value, an export, JSON) always goes to stdout;
 * progress and summaries go to stdout unless `--quiet`; warnings and errors go
 * to stderr, one line each, passed through core's redactor.
 */
export class Output {
  readonly color: Palette;
  readonly quiet: boolean;
  readonly json: boolean;
  readonly #io: CliIO;

  constructor(io: CliIO, options: { quiet?: boolean | undefined; json?: boolean | undefined } = {}) {
    this.#io = io;
    this.quiet = options.quiet === true;
    this.json = options.json === true;
    this.color = useColor(io) ? ANSI : PLAIN;
  }

  /** The command's product, byte for byte. */
  data(text: string): void {
    this.#io.stdout.write(text);
  }

  /** A value as pretty JSON and a newline. */
  printJson(value: unknown): void {
    this.#io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A line of progress or summary; silent with `--quiet`. */
  info(line: string): void {
    if (!this.quiet) this.#io.stdout.write(`${line}\n`);
  }

  /** A warning on stderr, shown even with `--quiet`. */
  warn(message: string): void {
    this.#warning(oneLine(redact(message)));
  }

  /**
   * A warning in the CLI's own words and numbers only: no name, value or text
   * from a provider, so there is nothing to scrub. Printed without the
   * redactor, whose first use builds its tables of every value read so far.
   */
  warnOwnWords(message: string): void {
    this.#warning(oneLine(message));
  }

  #warning(text: string): void {
    const palette = useColor(this.#io, "stderr") ? ANSI : PLAIN;
    this.#io.stderr.write(`${palette.yellow("Warning:")} ${text}\n`);
  }

  /**
   * An error line on stderr for a command that ends with its own exit code
   * instead of throwing: `Error: <message>`, or with `LOG_FORMAT=json` one JSON
   * line `{"time","level":"error","msg","code"}`.
   */
  error(message: string, code = "COMMAND_FAILED"): void {
    const text = oneLine(redact(message));
    if (this.#io.env.LOG_FORMAT?.trim().toLowerCase() === "json") {
      this.#io.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: text, code })}\n`,
      );
      return;
    }
    const palette = useColor(this.#io, "stderr") ? ANSI : PLAIN;
    this.#io.stderr.write(`${palette.red("Error:")} ${text}\n`);
  }
}

/** A secret's outcome as `init` and `rotate` report it. */
interface Outcome {
  readonly action: string;
  readonly code?: string | undefined;
  readonly message?: string | undefined;
}

/**
 * Reasons more than one failed secret gave, with how many gave each: one cause
 * (a file that cannot be locked, a backend that refuses the token) fails every
 * write. Each is printed once under the table (see sharedFailureLines), and the
 * lines of its secrets give only their code (see failedWords).
 */
export function sharedFailures(outcomes: readonly Outcome[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { action, message } of outcomes)
    if (action === "failed" && message !== undefined) counts.set(message, (counts.get(message) ?? 0) + 1);
  for (const [message, count] of counts) if (count < 2) counts.delete(message);
  return counts;
}

/** A failed secret's line: `failed (CODE): reason`, without the reason when several secrets share it. */
export function failedWords(outcome: Outcome, shared: ReadonlyMap<string, number>, color: Palette): string {
  const head = `${color.red("failed")}${outcome.code ? ` (${outcome.code})` : ""}`;
  if (outcome.message !== undefined && shared.has(outcome.message)) return head;
  return `${head}: ${outcome.message ?? "the write failed"}`;
}

/** Each shared reason once: `8 secrets failed: Cannot lock /app/.env: permission denied`. */
export function sharedFailureLines(shared: ReadonlyMap<string, number>): string[] {
  return [...shared].map(([message, count]) => `${count} secrets failed: ${message}`);
}

/** Messages are printed on one line, whatever a backend put in them. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

/** Left-aligned columns separated by two spaces; colour codes do not count towards widths. */
export function table(rows: ReadonlyArray<ReadonlyArray<string>>): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join("  ")
      .trimEnd(),
  );
}

function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
  return [...text.replace(/\u001b\[[0-9;]*m/g, "")].length;
}
