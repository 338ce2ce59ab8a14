#!/usr/bin/env node
import { EXIT } from "./exit-codes.js";
import { run } from "./index.js";

// Once stdout or stderr is a closed pipe, nothing more can be said: end quietly,
// with the status a program killed by SIGPIPE has, instead of an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.BROKEN_PIPE);
  });

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
