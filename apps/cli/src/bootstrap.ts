// `--version` as the CLI answers it, from the CLI's own source (both files are tiny and
// load nothing): through the package's entry, the start script would carry the whole CLI.
import { printVersion } from "../../../packages/cli/src/print-version.js";
import { codeCacheVariant, isVersionRequest } from "../../../packages/cli/src/tokens.js";
// The loader (with Node's module, vm, os and path modules) is required only past `--version`.
import type * as SectionLoader from "./section-loader.js";

/*
 * The start of the bundle: everything else, the CLI included, is a section
 * compiled through V8's code cache (see section-loader.ts), so a run after the
 * first compiles next to nothing. `--version` needs none of it; every other
 * command line is run by the `main` section, which loads the other sections
 * through this same loader.
 */
const argv = process.argv.slice(2);
if (isVersionRequest(argv)) printVersion();
else {
  const loader = require("./section-loader.js") as typeof SectionLoader;
  loader.runSection(
    __filename,
    "main",
    (id) => (id === loader.SECTION_LOADER_ID ? loader : require(id)),
    codeCacheVariant(argv),
  );
}
