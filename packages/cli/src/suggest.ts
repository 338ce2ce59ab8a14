import { COMMAND_NAMES } from "./options.js";
import { UsageError } from "./usage-error.js";

/** The closest of `candidates` to a mistyped `word` (edit distance at most 2, and under half its length); else undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(2, Math.floor(word.length / 2));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`. */
function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[];
      const up = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = d;
    }
  return (rows[a.length] as number[])[b.length] as number;
}

/** `Unknown command "helth". Did you mean "health"?` (the word shown cut to 40 characters, on one line). */
export function unknownCommand(token: string): UsageError {
  const shown = token.replace(/\s+/g, " ").slice(0, 40);
  const suggestion = closest(token, COMMAND_NAMES);
  return new UsageError(
    suggestion === undefined
      ? `Unknown command "${shown}"`
      : `Unknown command "${shown}". Did you mean "${suggestion}"?`,
  );
}
