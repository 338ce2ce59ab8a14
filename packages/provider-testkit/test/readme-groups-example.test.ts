import {
  describeBasics,
  describeCheckAndSet,
  describeHostileValues,
  type ProviderConformanceOptions,
} from "@org/secrets-provider-testkit";
import { MemoryProvider } from "@org/secrets-provider-testkit/memory";

// While working on writes: the basics, the hostile values and check-and-set only.
const options: ProviderConformanceOptions = {
  name: "memory",
  create: ({ logger }) => new MemoryProvider({ logger, capabilities: { versions: false } }),
};
describeBasics(options);
describeHostileValues(options);
describeCheckAndSet(options);
