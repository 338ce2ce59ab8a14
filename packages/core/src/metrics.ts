import type { Counter, Gauge, Meter, MeterProvider } from "@opentelemetry/api";
import { otelApi } from "./otel.js";

export const METER_NAME = "@org/secrets-core";

/** Attributes are names and outcomes only: never a value, never a token. */
export type MetricAttributes = Record<string, string>;

/** `secret_health_check_status`: 2 healthy, 1 degraded, 0 unhealthy. */
export const HEALTH_STATUS_VALUE = { healthy: 2, degraded: 1, unhealthy: 0 } as const;

interface Instruments {
  requests: Counter;
  errors: Counter;
  cacheHits: Counter;
  health: Gauge;
}

/**
 * The toolkit's instruments, through `@opentelemetry/api` only. They are no-ops
 * until the application registers an SDK; instruments are (re)created when the
 * global meter provider changes, so registering late still works. Until some
 * copy of the API registers anything, recording is a no-op that does not even
 * load the API (see `otelApi`).
 */
export class SecretMetrics {
  readonly #explicit: MeterProvider | undefined;
  #source: MeterProvider | undefined;
  #instruments: Instruments | undefined;
  #hitAttributes: { provider: string; hit: MetricAttributes; request: MetricAttributes } | undefined;

  constructor(meterProvider?: MeterProvider) {
    this.#explicit = meterProvider;
  }

  /** The instruments of the current meter provider; `undefined` while there is none to report to. */
  #get(): Instruments | undefined {
    const source = this.#explicit ?? otelApi()?.metrics.getMeterProvider();
    if (source === undefined) return undefined;
    if (!this.#instruments || source !== this.#source) {
      this.#source = source;
      this.#instruments = createInstruments(source.getMeter(METER_NAME));
    }
    return this.#instruments;
  }

  request(attributes: MetricAttributes): void {
    safely(() => this.#get()?.requests.add(1, attributes));
  }

  error(attributes: MetricAttributes): void {
    safely(() => this.#get()?.errors.add(1, attributes));
  }

  /** A read answered from the cache: one cache hit and one request with outcome `hit`. */
  cachedRead(provider: string): void {
    if (this.#explicit === undefined && otelApi() === undefined) return;
    let attrs = this.#hitAttributes;
    if (attrs === undefined || attrs.provider !== provider) {
      attrs = {
        provider,
        hit: Object.freeze({ provider, operation: "get" }),
        request: Object.freeze({ provider, operation: "get", outcome: "hit" }),
      };
      this.#hitAttributes = attrs;
    }
    const { hit, request } = attrs;
    safely(() => {
      const instruments = this.#get();
      if (instruments === undefined) return;
      instruments.cacheHits.add(1, hit);
      instruments.requests.add(1, request);
    });
  }

  cacheHit(attributes: MetricAttributes): void {
    safely(() => this.#get()?.cacheHits.add(1, attributes));
  }

  healthStatus(status: keyof typeof HEALTH_STATUS_VALUE, attributes: MetricAttributes): void {
    safely(() => this.#get()?.health.record(HEALTH_STATUS_VALUE[status], attributes));
  }
}

function createInstruments(meter: Meter): Instruments {
  return {
    requests: meter.createCounter("secret_manager_requests_total", {
      description: "Secret operations requested, by provider, operation and outcome",
    }),
    errors: meter.createCounter("secret_manager_errors_total", {
      description: "Secret operations that failed, by provider, operation and error code",
    }),
    cacheHits: meter.createCounter("secret_manager_cache_hits_total", {
      description: "Secret reads answered from the cache",
    }),
    health: meter.createGauge("secret_health_check_status", {
      description: "Result of the last health check: 2 healthy, 1 degraded, 0 unhealthy",
    }),
  };
}

/** Telemetry never throws into the host program. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // ignored on purpose
  }
}
