// The `@org/secrets-provider-testkit/memory` entry: the in-memory reference
// provider alone, without vitest, for code that is not a test file.
export {
  MemoryProvider,
  type MemoryProviderCalls,
  type MemoryProviderMethods,
  type MemoryProviderOptions,
  type MemoryVersion,
  type MemoryWriteCall,
} from "./memory-provider.js";
