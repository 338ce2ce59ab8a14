// The README's example: a provider package's own test file. Here the provider
// is this package's in-memory test provider; yours comes from your package.
import { runProviderConformance } from "@org/secrets-provider-testkit";
import { MemoryProvider } from "./memory-provider.js";

runProviderConformance({
  name: "memory",
  // A fresh provider per group of tests; pass the logger so the canary check covers your logging.
  create: ({ logger }) => new MemoryProvider(logger),
  // Optional: cleanup: (provider) => …, to release what create() made (a temporary directory, a client).
  // Names are "<prefix><random>_<n>", unique per run, so a shared real backend is fine.
  namePrefix: "CONFORMANCE_",
});
