import { EXIT } from "./exit-codes.js";
import { processOutput } from "./process-output.js";

/** What reports a failed write: the process's stdout or stderr, or a stream. */
export interface ErrorEmitter {
  on(event: "error", listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Once stdout or stderr is a closed pipe (`secrets export | head -1`), nothing
 * more can be said: end quietly, with the status of a program killed by
 * SIGPIPE (141), instead of an EPIPE stack trace. For every entry point that
 * runs the CLI as a process: the `secrets` executable and the single-file bundle.
 */
export function exitQuietlyOnBrokenPipe(
  streams: readonly ErrorEmitter[] = [processOutput(1), processOutput(2)],
): void {
  for (const stream of streams)
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(EXIT.BROKEN_PIPE);
    });
}
