import type { SecretProvider, SecretRecord } from "@org/secrets-core/provider";
import { runProviderConformance } from "@org/secrets-provider-testkit";

/** The smallest provider there is: no capabilities announced, so only the shared groups run. */
function createMapProvider(): SecretProvider {
  const secrets = new Map<string, string>();
  return {
    name: "memory",
    async get(name): Promise<SecretRecord | undefined> {
      const value = secrets.get(name);
      return value === undefined ? undefined : { value };
    },
    async set(name, value, options) {
      options?.signal?.throwIfAborted(); // past its deadline: write nothing
      secrets.set(name, value);
    },
    async delete(name, options) {
      options?.signal?.throwIfAborted();
      return secrets.delete(name);
    },
    async check() {},
  };
}

runProviderConformance({
  name: "memory",
  // A fresh provider per group of tests; a provider that logs should take `logger` from
  // the argument ({ logger }) so the canary check covers its logging.
  create: () => createMapProvider(),
  // Optional: cleanup: (provider) => …, to release what create() made (a temporary directory, a client).
  // Names are "<prefix><random>_<n>", unique per run, so a shared real backend is fine.
  namePrefix: "CONFORMANCE_",
});
