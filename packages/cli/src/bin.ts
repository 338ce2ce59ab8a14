#!/usr/bin/env node
import { exitQuietlyOnBrokenPipe } from "./broken-pipe.js";
import { enableCompileCache } from "./compile-cache.js";
import { run } from "./index.js";
import { processOutput } from "./process-output.js";
import { isVersionRequest } from "./tokens.js";

// This entry writes through Node's streams, made up front: without them, `secrets get`
// over a pipe measured 12 to 15 ms slower on Node 20 (as an ES module entry; no
// difference on Node 22 and 24, and the single-file bundle is faster without them).
exitQuietlyOnBrokenPipe([processOutput(1).stream, processOutput(2).stream]);

const argv = process.argv.slice(2);
// `--version` loads nothing more; every other run compiles the parser, core and a provider.
if (!isVersionRequest(argv)) enableCompileCache();

run(argv).then((code) => {
  process.exitCode = code;
});
