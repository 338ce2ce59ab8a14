import { wantsJsonLines } from "./error-line.js";
import { isClosedReader, outputFailureLine } from "./output-failure.js";
import { processOutput } from "./process-output.js";
import { CLI_VERSION } from "./version.js";

/**
 * `secrets --version` as the executables answer it, before anything else is
 * loaded. A write that fails ends as every other command's does (see run.ts):
 * quietly with 141 for a reader that went away, else one line on stderr and 1.
 */
export function printVersion(): void {
  const stdout = processOutput(1);
  stdout.write(`${CLI_VERSION}\n`);
  const failure = stdout.failure;
  if (failure === undefined) return;
  if (isClosedReader(failure)) {
    process.exitCode = 141; // 128 + SIGPIPE, as EXIT.BROKEN_PIPE (not imported: it would load node:os)
    return;
  }
  processOutput(2).write(outputFailureLine(failure, { json: wantsJsonLines(process.env), color: false }));
  process.exitCode = 1;
}
