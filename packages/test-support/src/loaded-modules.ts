/**
 * Which of Node's built-in modules a child process loaded: a preload, given
 * with `-r` or `NODE_OPTIONS=--require`, writes `process.moduleLoadList` at
 * exit. Counts what start-up pays for without timing anything.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface LoadedModulesRecorder {
  /** The preload script (written into the directory given). */
  readonly preload: string;
  /** What the last process run with the preload loaded (`NativeModule http`, `Internal Binding fs`...). */
  read(): string[];
}

/** A recorder whose preload and record live in `dir`. */
export function loadedModulesRecorder(dir: string): LoadedModulesRecorder {
  const record = path.join(dir, "modules.json");
  const preload = path.join(dir, "record-modules.cjs");
  writeFileSync(
    preload,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.moduleLoadList)));\n`,
  );
  return { preload, read: () => JSON.parse(readFileSync(record, "utf8")) as string[] };
}
