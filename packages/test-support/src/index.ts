export {
  type CanaryLeak,
  canaryToken,
  canaryValue,
  findLeaks,
  largeCanary,
  SHORT_CANARIES,
} from "./canary.js";
export {
  type CliProject,
  type CliResult,
  cliBin,
  createCliProject,
  mapLimit,
  type RunCliOptions,
  runCli,
} from "./cli.js";
export { type Measurement, RecordingMeterProvider } from "./metrics.js";
export { HostileProxy } from "./proxy/hostile-proxy.js";
export type {
  BackendFlavor,
  HostileProxyOptions,
  HungRequest,
  HungSockets,
  ProxiedRequest,
  ProxyMode,
  RequestCounts,
  RequestMatcher,
  RuleOptions,
} from "./proxy/types.js";
export { type RecordedRequest, Recorder, type RecorderOptions } from "./recorder.js";
export {
  motoEnv,
  type OpenBaoServer,
  type RunningServer,
  type StartOpenBaoOptions,
  startMoto,
  startOpenBao,
  type VaultRequest,
  vaultRequest,
} from "./servers.js";
export { ensureTool, freePort, pythonWithBoto3, repoRoot } from "./tools.js";
