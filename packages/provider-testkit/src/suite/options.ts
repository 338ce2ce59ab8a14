// The options every conformance entry takes: the whole suite and each group.
import type { Logger, SecretProvider } from "@org/secrets-core";

/** What the suite hands to `create`. */
export interface ConformanceContext {
  /**
   * A debug-level logger. Give it to the provider (as `ProviderContext.logger`)
   * so the canary check also covers what the provider itself logs.
   */
  logger: Logger;
}

export interface ProviderConformanceOptions {
  /** Shown in the suite's name, for example `env` or `acme-kv`. */
  name: string;
  /** A fresh provider. Called once per group of tests; the suite never shares one between groups. */
  create: (context: ConformanceContext) => SecretProvider | Promise<SecretProvider>;
  /** Called for every provider `create` returned, after the suite has deleted what it wrote and called `close()`. */
  cleanup?: ((provider: SecretProvider) => Promise<void> | void) | undefined;
  /**
   * Start of every secret name the suite uses (default `CONFORMANCE_`). A random
   * suffix is added per run, so the suite can run against a shared real backend.
   */
  namePrefix?: string | undefined;
  /**
   * What `create` gives the provider that must never show: its token, password,
   * secret key (each at least 8 characters). The suite looks for each, like for
   * the values it writes, in errors and log lines, and in what printing the
   * provider object shows.
   */
  sensitive?: readonly string[] | undefined;
}
