export { exitQuietlyOnBrokenPipe } from "./broken-pipe.js";
export { EXIT, type ExitCode, exitCodeForError, exitCodeForHealth, exitCodeForResult } from "./exit-codes.js";
export type { CliInput, CliIO, CliOutput } from "./io.js";
export { type RunOptions, run } from "./run.js";
export { CLI_VERSION } from "./version.js";
