// `--version` as the CLI answers it, from the CLI's own source (both files are tiny and
// load nothing): through the package's entry, the start script would carry the whole CLI.
import { processOutput } from "../../../packages/cli/src/process-output.js";
import { firstCommandToken, isVersionRequest } from "../../../packages/cli/src/tokens.js";
import { CLI_VERSION } from "../../../packages/cli/src/version.js";
// The loader (with Node's module, vm, os and path modules) is required only past `--version`.
import type * as SectionLoader from "./section-loader.js";

/*
 * The start of the bundle: everything else, the CLI included, is a section
 * compiled through V8's code cache (see section-loader.ts), so a run after the
 * first compiles next to nothing. `--version` needs none of it; every other
 * command line is run by the `main` section, which loads the other sections
 * through this same loader.
 */
/**
 * Commands run often enough (by scripts, probes) to keep a code cache of the CLI's
 * section of their own: V8's cache holds every function the run that wrote it
 * compiled, so `get` deserializing a cache written by `init` pays for init's code.
 * Every other command line shares one.
 */
const OWN_CACHE = new Set(["get", "health", "list", "export", "run"]);

const argv = process.argv.slice(2);
if (isVersionRequest(argv)) processOutput(1).write(`${CLI_VERSION}\n`);
else {
  const loader = require("./section-loader.js") as typeof SectionLoader;
  const command = firstCommandToken(argv);
  loader.runSection(
    __filename,
    "main",
    (id) => (id === loader.SECTION_LOADER_ID ? loader : require(id)),
    command !== undefined && OWN_CACHE.has(command) ? command : undefined,
  );
}
