// The testkit's main entry: the whole conformance suite, each group on its
// own, the hostile values, and the in-memory reference provider.
export {
  type ConformanceContext,
  type ProviderConformanceOptions,
  runProviderConformance,
} from "./conformance.js";
export { describeBasics } from "./groups/basics.js";
export { describeBatchRead } from "./groups/batch-read.js";
export { describeCanary } from "./groups/canary.js";
export { describeCapabilityReport } from "./groups/capability-report.js";
export { describeCheckAndSet } from "./groups/check-and-set.js";
export { describeDeadlines } from "./groups/deadlines.js";
export { describeErrors } from "./groups/errors.js";
export { describeErrorsEchoNoValue } from "./groups/errors-echo.js";
export { describeHostileValues } from "./groups/hostile.js";
export { describeList } from "./groups/list.js";
export { describeMetadata } from "./groups/metadata.js";
export { describeShape } from "./groups/shape.js";
export { describeVersions } from "./groups/versions.js";
export { type HostileValue, hostileValues } from "./hostile-values.js";
export * from "./memory.js";
