// The process environment over the file: its values, and keeping it in step with writes.

import type { Logger } from "@org/secrets-core/provider";
import { PROVIDER } from "./options.js";

export class EnvironmentOverlay {
  readonly #env: Record<string, string | undefined>;
  readonly #writeEnvironment: boolean;
  readonly #logger: Logger;
  /** The file, named in the warning about a value the environment hides. */
  readonly #file: string;
  readonly #warnedShadowed = new Set<string>();

  constructor(
    env: Record<string, string | undefined>,
    writeEnvironment: boolean,
    logger: Logger,
    file: string,
  ) {
    this.#env = env;
    this.#writeEnvironment = writeEnvironment;
    this.#logger = logger;
    this.#file = file;
  }

  value(name: string): string | undefined {
    // Own properties only: `constructor` or `toString` are names, not inherited methods.
    if (!Object.hasOwn(this.#env, name)) return undefined;
    const value = this.#env[name];
    return typeof value === "string" ? value : undefined;
  }

  /** Keep the environment in step with a write (`undefined`: a delete), where it holds the name. */
  sync(name: string, value: string | undefined): void {
    if (this.value(name) === undefined) return;
    if (this.#writeEnvironment) {
      try {
        if (value === undefined) delete this.#env[name];
        else this.#env[name] = value;
      } catch {
        // A frozen environment object: warned about below.
      }
      if (this.value(name) === value) return;
    }
    if (this.#warnedShadowed.has(name)) return;
    this.#warnedShadowed.add(name);
    this.#logger.warn(
      `'${name}' is set in the environment, which takes precedence over ${this.#file}: this process keeps reading the environment's value`,
      {
        name,
        provider: PROVIDER,
        reason: this.#writeEnvironment ? "the environment object is read-only" : "writeEnvironment is off",
      },
    );
  }
}
