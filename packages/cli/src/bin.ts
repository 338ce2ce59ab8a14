#!/usr/bin/env node
import { exitQuietlyOnBrokenPipe } from "./broken-pipe.js";
import { enableCompileCache } from "./compile-cache.js";
import { run } from "./index.js";
import { isVersionRequest } from "./tokens.js";

exitQuietlyOnBrokenPipe();

const argv = process.argv.slice(2);
// `--version` loads nothing more; every other run compiles the parser, core and a provider.
if (!isVersionRequest(argv)) enableCompileCache();

run(argv).then((code) => {
  process.exitCode = code;
});
