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
  type ClosedReaderOptions,
  cliBin,
  createCliProject,
  mapLimit,
  type RunCliOptions,
  type RunProcessOptions,
  runCli,
  runProcess,
  runWithClosedStdout,
} from "./cli.js";
export { killLineProcesses, type LineProcess, startLineProcess } from "./line-process.js";
export { createLinkedProvider } from "./linked-provider.js";
export { type LoadedModulesRecorder, loadedModulesRecorder } from "./loaded-modules.js";
export { type Measurement, RecordingMeterProvider } from "./metrics.js";
export { HostileProxy } from "./proxy/hostile-proxy.js";
export type {
  BackendFlavor,
  DripAnswers,
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
export { motoEnv, startMoto } from "./servers/moto.js";
export { type OpenBaoServer, type StartOpenBaoOptions, startOpenBao } from "./servers/openbao.js";
export type { RunningServer } from "./servers/server-process.js";
export { type VaultRequest, vaultRequest } from "./servers/vault-request.js";
export { ensureTool, freePort, pythonWithBoto3, repoRoot } from "./tools.js";
