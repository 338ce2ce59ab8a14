#!/usr/bin/env node
import { exitQuietlyOnBrokenPipe } from "./broken-pipe.js";
import { enableCompileCache } from "./compile-cache.js";
import { run } from "./index.js";
import { processOutput } from "./process-output.js";
import { isVersionRequest } from "./tokens.js";

/** Replaced by the build with the output format (`esm` or `cjs`); undefined when run from source. */
declare const __SECRETS_CLI_FORMAT__: string | undefined;

// The CommonJS build (what the `secrets` executable runs) writes through file descriptors
// 1 and 2. As an ES module, this entry writes through Node's streams, made up front: on
// Node 20, without them its `get` over a pipe measured 12 to 15 ms slower.
if (typeof __SECRETS_CLI_FORMAT__ !== "undefined" && __SECRETS_CLI_FORMAT__ === "cjs")
  exitQuietlyOnBrokenPipe();
else exitQuietlyOnBrokenPipe([processOutput(1).stream, processOutput(2).stream]);

const argv = process.argv.slice(2);
// `--version` loads nothing more; every other run compiles the parser, core and a provider.
if (!isVersionRequest(argv)) enableCompileCache();

run(argv).then((code) => {
  process.exitCode = code;
});
