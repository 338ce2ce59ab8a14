// `--version` as the CLI answers it, from the CLI's own source (both files are tiny and
// load nothing): through the package's entry, the start script would carry the whole CLI.
import { isVersionRequest } from "../../../packages/cli/src/tokens.js";
import { CLI_VERSION } from "../../../packages/cli/src/version.js";
import * as loader from "./section-loader.js";

/*
 * The start of the bundle: everything else, the CLI included, is a section
 * compiled through V8's code cache (see section-loader.ts), so a run after the
 * first compiles next to nothing. `--version` needs none of it; every other
 * command line is run by the `main` section, which loads the other sections
 * through this same loader.
 */
if (isVersionRequest(process.argv.slice(2))) process.stdout.write(`${CLI_VERSION}\n`);
else loader.runSection(__filename, "main", (id) => (id === loader.SECTION_LOADER_ID ? loader : require(id)));
