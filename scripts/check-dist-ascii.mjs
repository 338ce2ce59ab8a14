// Every built JavaScript file of the workspace is ASCII. V8 holds a module's
// source as a string for as long as the module lives, one byte per character
// while every character is Latin-1 and two bytes otherwise: one "…" left in a
// comment the bundler keeps doubles the memory of the whole file, and of the
// copy Node compiles, and start-up spends the difference collecting garbage.
// Strings in code are escaped by the bundler already; this catches comments.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const scripts = ["packages", "apps"]
  .flatMap((group) => readdirSync(path.join(root, group)).map((name) => path.join(root, group, name, "dist")))
  .filter((dist) => existsSync(dist))
  .flatMap((dist) =>
    readdirSync(dist, { recursive: true })
      .filter((name) => /\.(c|m)?js$/.test(name))
      .map((name) => path.join(dist, name)),
  );

let failures = 0;
for (const file of scripts) {
  const bytes = readFileSync(file);
  const at = bytes.findIndex((byte) => byte > 0x7f);
  if (at === -1) continue;
  const line = bytes.subarray(0, at).toString("latin1").split("\n").length;
  console.error(
    `${path.relative(root, file)}:${line}: a character outside ASCII (escape it, or reword the comment)`,
  );
  failures++;
}
if (failures > 0) process.exit(1);
