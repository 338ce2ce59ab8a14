export {
  type ConformanceContext,
  type ProviderConformanceOptions,
  runProviderConformance,
} from "./conformance.js";
export { type HostileValue, hostileValues } from "./hostile-values.js";
