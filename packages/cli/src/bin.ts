#!/usr/bin/env node
import { enableCompileCache } from "./compile-cache.js";
import { EXIT } from "./exit-codes.js";
import { run } from "./index.js";
import { isVersionRequest } from "./tokens.js";

// Once stdout or stderr is a closed pipe, nothing more can be said: end quietly,
// with the status a program killed by SIGPIPE has, instead of an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.BROKEN_PIPE);
  });

const argv = process.argv.slice(2);
// `--version` loads nothing more; every other run compiles the parser, core and a provider.
if (!isVersionRequest(argv)) enableCompileCache();

run(argv).then((code) => {
  process.exitCode = code;
});
