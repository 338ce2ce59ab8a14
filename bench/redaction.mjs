// Redaction cost against the number of remembered values: a 4 KB log line
// scrubbed with 1,000 values remembered vs with 10, in the same process.
// The goal is a ratio of at most 2: scanning probes a table per character,
// it never builds a pattern out of the values.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median } from "./servers.mjs";

export async function benchRedaction(root) {
  const core = await import(pathToFileURL(path.join(root, "packages/core/dist/index.js")).href);
  const { clearRedactions, redact, registerSecretValue } = core;
  const value = () => randomBytes(24).toString("base64url");
  const words = "request to backend answered 503 after retry; cache stale; name=DATABASE_URL ";
  const line = words.repeat(Math.ceil(4096 / words.length)).slice(0, 4096);

  const measure = () => {
    const n = 2000;
    const runs = [];
    for (let r = 0; r < 7; r++) {
      const start = performance.now();
      for (let i = 0; i < n; i++) redact(line);
      runs.push((performance.now() - start) / n);
    }
    return median(runs);
  };

  clearRedactions();
  for (let i = 0; i < 10; i++) registerSecretValue(value());
  measure(); // warm-up
  const few = measure();
  for (let i = 10; i < 1000; i++) registerSecretValue(value());
  const many = measure();
  clearRedactions();
  return {
    name: "redact a 4 KB line, 1,000 values remembered",
    value: many * 1000,
    baseline: few * 1000,
    unit: "µs per line",
    ratio: many / few,
    note: "vs 10 values remembered (goal ≤ 2)",
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const row = await benchRedaction(root);
  console.log(
    `${row.name}: ${row.value.toFixed(1)} ${row.unit}; with 10 values: ${row.baseline.toFixed(1)}; ratio ${row.ratio.toFixed(2)} (goal ≤ 2)`,
  );
}
