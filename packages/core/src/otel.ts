/** The OpenTelemetry API, loaded only when some copy of it is registered in the process. */
import { createRequire } from "node:module";
import type * as OtelApi from "@opentelemetry/api";

/**
 * The key under which every copy of `@opentelemetry/api` 1.x keeps the
 * process-wide registrations (meter provider, tracer provider, propagator…).
 * It exists once any copy registered anything.
 */
const OTEL_GLOBAL = Symbol.for("opentelemetry.js.api.1");

let api: typeof OtelApi | undefined;
let failed = false;

/**
 * The OpenTelemetry API, loaded on first need. While no copy of the API has
 * registered anything in this process, every global (meter provider, tracer
 * provider) is the API's no-op, so this returns `undefined` without loading it:
 * a program (or the CLI) that does not use OpenTelemetry never pays for it.
 * Also `undefined` when the API cannot be loaded (a bundle without it).
 */
export function otelApi(): typeof OtelApi | undefined {
  // An indexed read, not `Object.hasOwn`: this runs on every cached read, and is several times cheaper.
  if (api !== undefined || failed || (globalThis as Record<symbol, unknown>)[OTEL_GLOBAL] === undefined)
    return api;
  try {
    api = createRequire(import.meta.url)("@opentelemetry/api") as typeof OtelApi;
  } catch {
    failed = true;
  }
  return api;
}
