/** What the parts of a `SecretManager` share: its provider, deadline, cache, instrumentation and limits. */
import type { SecretCache } from "./cache.js";
import type { SecretProvider } from "./contract.js";
import type { Deadline } from "./deadline.js";
import type { Instrumentation } from "./instrumentation.js";
import type { ProviderHandle } from "./provider-handle.js";

export interface ManagerParts {
  readonly handle: ProviderHandle;
  readonly deadline: Deadline;
  readonly cache: SecretCache;
  readonly ops: Instrumentation;
  /** Most backend calls in flight for bulk operations. */
  readonly concurrency: number;
  /** How long a reader of a stale entry waits for its refresh. */
  readonly staleWaitMs: number;
  readonly now: () => number;
}

/** The provider, resolved under the manager's deadline. */
export function providerOf(parts: ManagerParts): Promise<SecretProvider> {
  return parts.handle.resolve(parts.deadline);
}
