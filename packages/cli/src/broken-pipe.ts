import { EXIT } from "./exit-codes.js";

/**
 * Once stdout or stderr is a closed pipe (`secrets export | head -1`), nothing
 * more can be said: end quietly, with the status of a program killed by
 * SIGPIPE (141), instead of an EPIPE stack trace. For every entry point that
 * runs the CLI as a process: the `secrets` executable and the single-file bundle.
 */
export function exitQuietlyOnBrokenPipe(
  streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams)
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(EXIT.BROKEN_PIPE);
    });
}
