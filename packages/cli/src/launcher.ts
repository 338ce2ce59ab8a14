#!/usr/bin/env node
/*
 * The `secrets` executable, a CommonJS file. `--version` is answered here, so it
 * never starts Node's ES module loader (a tenth of `node -e 0`'s time); every
 * other command line turns on the compile cache first, so that every module the
 * CLI loads (`bin.js` included) can come from it, then runs the CLI's ES module
 * entry, which loads core and the providers as the application would.
 */
import { enableCompileCache } from "./compile-cache.js";
import { processOutput } from "./process-output.js";
import { isVersionRequest } from "./tokens.js";
import { CLI_VERSION } from "./version.js";

const argv = process.argv.slice(2);
if (isVersionRequest(argv)) processOutput(1).write(`${CLI_VERSION}\n`);
else {
  enableCompileCache();
  import("./bin.js").catch((error: unknown) => {
    // Only a broken installation gets here: name the file, not a stack trace.
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    process.stderr.write(
      `Error: the secrets CLI could not be loaded${code ? ` (${code})` : ""}: reinstall @org/secrets-cli\n`,
    );
    process.exitCode = 1;
  });
}
