/** The metrics and spans of secret operations, through the OpenTelemetry API when it is present. */
import type {
  Attributes,
  Counter,
  Gauge,
  Histogram,
  Meter,
  MeterProvider,
  Span,
  SpanContext,
  SpanStatus,
  Tracer,
  TracerProvider,
} from "@opentelemetry/api";
import { otelApi } from "./otel.js";
import { CORE_VERSION } from "./version.js";

/** The instrumentation scope of the toolkit's meter (with this package's version). */
export const METER_NAME = "@org/secrets-core";
/** The instrumentation scope of the toolkit's tracer (with this package's version). */
export const TRACER_NAME = "@org/secrets-core";
/** The version both scopes carry: this package's version. */
export const INSTRUMENTATION_VERSION = CORE_VERSION;

/**
 * Bucket boundaries of `secret_manager_operation_duration_seconds`, in seconds:
 * from 1 ms (a local file) to 30 s (a backend at its deadline).
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

/** How a traced operation ended: its outcome, and the error code when it failed. */
export interface SpanEnd {
  outcome: string;
  /** A `SecretError` code (`PROVIDER_UNAVAILABLE`); sets the span's status to error. */
  code?: string | undefined;
}

/** Attributes are names and outcomes only: never a value, never a token. */
export type MetricAttributes = Record<string, string>;

/** `secret_health_check_status`: 2 healthy, 1 degraded, 0 unhealthy. */
export const HEALTH_STATUS_VALUE = { healthy: 2, degraded: 1, unhealthy: 0 } as const;

interface Instruments {
  requests: Counter;
  errors: Counter;
  cacheHits: Counter;
  health: Gauge;
  duration: Histogram;
}

/**
 * The toolkit's instruments, through `@opentelemetry/api` only. They are no-ops
 * until the application registers an SDK; instruments are (re)created when the
 * global meter provider changes, so registering late still works.
 */
export class SecretMetrics {
  readonly #explicit: MeterProvider | undefined;
  readonly #explicitTracer: TracerProvider | undefined;
  #tracerSource: TracerProvider | undefined;
  #tracer: Tracer | undefined;
  #source: MeterProvider | undefined;
  #instruments: Instruments | undefined;
  #hitAttributes: { provider: string; hit: MetricAttributes; request: MetricAttributes } | undefined;

  constructor(meterProvider?: MeterProvider, tracerProvider?: TracerProvider) {
    this.#explicit = meterProvider;
    this.#explicitTracer = tracerProvider;
  }

  /** The instruments of the current meter provider; `undefined` while there is none to report to. */
  #get(): Instruments | undefined {
    const source = this.#explicit ?? otelApi()?.metrics.getMeterProvider();
    if (source === undefined) return undefined;
    if (!this.#instruments || source !== this.#source) {
      this.#source = source;
      this.#instruments = createInstruments(source.getMeter(METER_NAME, INSTRUMENTATION_VERSION));
    }
    return this.#instruments;
  }

  /** The tracer of the current tracer provider; `undefined` while there is none to report to. */
  #getTracer(): Tracer | undefined {
    const source = this.#explicitTracer ?? otelApi()?.trace.getTracerProvider();
    if (source === undefined) return undefined;
    if (!this.#tracer || source !== this.#tracerSource) {
      this.#tracerSource = source;
      this.#tracer = source.getTracer(TRACER_NAME, INSTRUMENTATION_VERSION);
    }
    return this.#tracer;
  }

  /** Whether a meter provider may be there to report to (one was given, or the OpenTelemetry API is loaded). */
  get reporting(): boolean {
    return this.#explicit !== undefined || otelApi() !== undefined;
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

  /** `secret_manager_operation_duration_seconds`: one provider operation took `seconds`. */
  duration(seconds: number, attributes: MetricAttributes): void {
    safely(() => this.#get()?.duration.record(seconds, attributes));
  }

  /**
   * Start a span named `name` (internal kind) under the active span. Until a
   * tracer provider is registered this is a non-recording span that costs
   * next to nothing. End it with `endSpan`.
   */
  startSpan(name: string, attributes?: Attributes): Span {
    try {
      const tracer = this.#getTracer();
      if (tracer === undefined) return NO_SPAN;
      return guardedSpan(
        tracer.startSpan(name, {
          kind: SPAN_KIND_INTERNAL,
          ...(attributes ? { attributes } : {}),
        }),
      );
    } catch {
      return NO_SPAN;
    }
  }

  /**
   * End a span started with `startSpan`: `secret.outcome` is set, and with a
   * `code` the span's status is error, described by that code alone (never by
   * an error message, which may hold words a backend chose) and `error.type`
   * is set to it.
   */
  endSpan(span: Span, end: SpanEnd, attributes?: Attributes): void {
    safely(() => {
      if (span.isRecording()) {
        if (attributes) span.setAttributes(attributes);
        span.setAttribute("secret.outcome", end.outcome);
        if (end.code !== undefined) {
          const code = safeCode(end.code);
          span.setAttribute("error.type", code);
          span.setStatus({ code: SPAN_STATUS_ERROR, message: code });
        }
      }
      span.end();
    });
  }

  /** Run `fn` with `span` as the active span (so spans a provider's HTTP client makes are its children). */
  within<T>(span: Span, fn: () => T): T {
    const api = span.isRecording() ? otelApi() : undefined;
    if (api === undefined) return fn();
    return api.context.with(api.trace.setSpan(api.context.active(), span), fn);
  }

  /**
   * Run `fn` inside a span named `name`: the outcome is what `describe` says of
   * the result (default `success`); a throw ends the span with the error's code
   * (a `SecretError` code, else `UNKNOWN`) and is rethrown unchanged.
   */
  async withSpan<T>(
    name: string,
    attributes: Attributes,
    fn: (span: Span) => Promise<T>,
    describe: (result: T) => SpanEnd & { attributes?: Attributes } = () => ({ outcome: "success" }),
  ): Promise<T> {
    const span = this.startSpan(name, attributes);
    let result: T;
    try {
      result = await this.within(span, () => fn(span));
    } catch (error) {
      this.endSpan(span, { outcome: "error", code: errorCode(error) });
      throw error;
    }
    let end: SpanEnd & { attributes?: Attributes };
    try {
      end = describe(result);
    } catch {
      end = { outcome: "success" };
    }
    this.endSpan(span, end, end.attributes);
    return result;
  }
}

/** `SpanKind.INTERNAL` and `SpanStatusCode.ERROR` of the API, without loading it. */
const SPAN_KIND_INTERNAL = 0;
const SPAN_STATUS_ERROR = 2;

const NO_SPAN_CONTEXT: SpanContext = Object.freeze({
  traceId: "00000000000000000000000000000000",
  spanId: "0000000000000000",
  traceFlags: 0,
});

/** A span that records nothing: what `startSpan` gives while no tracer provider is registered. */
const NO_SPAN: Span = {
  spanContext: () => NO_SPAN_CONTEXT,
  setAttribute: () => NO_SPAN,
  setAttributes: () => NO_SPAN,
  addEvent: () => NO_SPAN,
  addLink: () => NO_SPAN,
  addLinks: () => NO_SPAN,
  setStatus: (_status: SpanStatus) => NO_SPAN,
  updateName: () => NO_SPAN,
  end: () => {},
  isRecording: () => false,
  recordException: () => {},
};

/**
 * `span` behind methods that never throw: a tracer's span is the host's code,
 * and core calls it on every operation (and hands it to `withSpan` callers). A
 * method that throws is ignored, `isRecording` is then `false`.
 */
function guardedSpan(span: Span): Span {
  if (span === NO_SPAN || typeof span !== "object" || span === null) return NO_SPAN;
  const call = (method: keyof Span, args: unknown[]): unknown => {
    try {
      const fn = span[method] as unknown;
      return typeof fn === "function" ? (fn as (...a: unknown[]) => unknown).apply(span, args) : undefined;
    } catch {
      return undefined;
    }
  };
  // Each chaining method calls the span's own and answers the guarded span.
  const chain =
    (method: keyof Span) =>
    (...args: unknown[]): Span => {
      call(method, args);
      return guarded;
    };
  const guarded: Span = {
    spanContext: () => {
      const context = call("spanContext", []) as SpanContext | undefined;
      return typeof context === "object" && context !== null ? context : NO_SPAN_CONTEXT;
    },
    setAttribute: chain("setAttribute"),
    setAttributes: chain("setAttributes"),
    addEvent: chain("addEvent"),
    addLink: chain("addLink"),
    addLinks: chain("addLinks"),
    setStatus: chain("setStatus"),
    updateName: chain("updateName"),
    end: (...args) => {
      call("end", args);
    },
    isRecording: () => call("isRecording", []) === true,
    recordException: (...args) => {
      call("recordException", args);
    },
  };
  return guarded;
}

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** An error's stable code when it has one of our shape (`PROVIDER_UNAVAILABLE`), else `UNKNOWN`. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && CODE.test(code) ? code : "UNKNOWN";
}

function safeCode(code: string): string {
  return CODE.test(code) ? code : "UNKNOWN";
}

function createInstruments(meter: Meter): Instruments {
  return {
    requests: meter.createCounter("secret_manager_requests_total", {
      description: "Secret operations requested, by provider, operation and outcome",
      unit: "{request}",
    }),
    errors: meter.createCounter("secret_manager_errors_total", {
      description: "Secret operations that failed, by provider, operation and error code",
      unit: "{error}",
    }),
    cacheHits: meter.createCounter("secret_manager_cache_hits_total", {
      description: "Secret reads answered from the cache",
      unit: "{hit}",
    }),
    health: meter.createGauge("secret_health_check_status", {
      description: "Result of the last health check: 2 healthy, 1 degraded, 0 unhealthy",
      unit: "1",
    }),
    duration: meter.createHistogram("secret_manager_operation_duration_seconds", {
      description: "How long each provider operation took, by provider, operation and outcome",
      unit: "s",
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
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
