import type { ProviderLoaders } from "@org/secrets-core";
import { EXIT } from "./exit-codes.js";
import { type CliIO, resolveIO } from "./io.js";
import { isVersionRequest } from "./tokens.js";
import { CLI_VERSION } from "./version.js";

export interface RunOptions {
  /**
   * Provider modules the host already carries, by short name (`env`, `vault`,
   * `aws`) or package name. A bundled CLI passes every provider it includes;
   * `env` is always available.
   */
  loaders?: ProviderLoaders | undefined;
}

/**
 * Run the `secrets` command line and resolve to its exit code. Never throws and
 * never exits the process: errors are printed as one line on `io.stderr`.
 * Anything left out of `io` is taken from the current process.
 *
 * `secrets --version` is answered here, before the parser, commands, core or
 * any provider are loaded.
 */
export async function run(
  argv: readonly string[],
  io: Partial<CliIO> = {},
  options: RunOptions = {},
): Promise<number> {
  const resolved = resolveIO(io);
  if (isVersionRequest(argv)) {
    resolved.stdout.write(`${CLI_VERSION}\n`);
    return EXIT.OK;
  }
  try {
    const { main } = await import("./main.js");
    return await main(argv, resolved, options);
  } catch (error) {
    resolved.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.FAILED;
  }
}
