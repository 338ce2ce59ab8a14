#!/usr/bin/env node
/*
 * The `secrets` executable, a CommonJS file. `--version` is answered here, so it
 * never starts Node's ES module loader (a tenth of `node -e 0`'s time). Every
 * other command line turns on a compile cache first (Node's own from 22.1, else
 * the CLI's, see module-cache.ts), so that every module the CLI loads
 * (`bin.cjs` included) can come from it, then runs the CLI's CommonJS entry,
 * which loads the CommonJS builds of core and the providers: Node's ES module
 * loader, slower to resolve and compile each file, is then used only for a
 * third-party provider that is an ES module. What each `require` resolved to
 * is kept too (see resolve-cache.ts), and the AWS SDK's packages get stand-ins
 * for two built-ins they load but a run does not use (see deferred-builtins.ts).
 */
import { codeCacheDirectory, enableCompileCache } from "./compile-cache.js";
import { deferBuiltins } from "./deferred-builtins.js";
import { cacheCommonJsModules } from "./module-cache.js";
import { printVersion } from "./print-version.js";
import { cacheResolutions } from "./resolve-cache.js";
import { isVersionRequest } from "./tokens.js";

const argv = process.argv.slice(2);
if (isVersionRequest(argv)) printVersion();
else {
  enableCompileCache();
  const directory = process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : codeCacheDirectory();
  cacheCommonJsModules(argv, directory);
  cacheResolutions(argv, directory);
  deferBuiltins();
  // Built as `require("./bin.cjs")` (see tsup.config.ts).
  import("./bin.js").catch((error: unknown) => {
    // Only a broken installation gets here: name the file, not a stack trace.
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    process.stderr.write(
      `Error: the secrets CLI could not be loaded${code ? ` (${code})` : ""}: reinstall @org/secrets-cli\n`,
    );
    process.exitCode = 1;
  });
}
