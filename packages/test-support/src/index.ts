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
export {
  type BackendFlavor,
  HostileProxy,
  type HostileProxyOptions,
  type HungRequest,
  type HungSockets,
  type ProxiedRequest,
  type ProxyMode,
  type RequestCounts,
  type RequestMatcher,
  type RuleOptions,
} from "./hostile-proxy.js";
export { type Measurement, RecordingMeterProvider } from "./metrics.js";
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
