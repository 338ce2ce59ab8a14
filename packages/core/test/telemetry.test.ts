import { AsyncLocalStorage } from "node:async_hooks";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Context,
  type ContextManager,
  context,
  metrics,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import {
  DURATION_BUCKETS_SECONDS,
  INSTRUMENTATION_VERSION,
  ProviderUnavailableError,
  SecretManager,
  type SecretRecord,
} from "../src/index.js";
import type { ReadOptions } from "../src/provider.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const packageVersion = (
  JSON.parse(readFileSync(path.join(here, "../package.json"), "utf8")) as { version: string }
).version;

const VALUE = "tele-canary-value-7f3a9c2e";
const BACKEND_WORDS = "backend-said-4b1d-do-not-show";

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** An AsyncLocalStorage context manager, as a Node SDK registers one. */
class StorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

function sdk() {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { reader, meterProvider, exporter, tracerProvider };
}

async function collect(
  reader: TestReader,
): Promise<{ scope: { name: string; version?: string }; metric: MetricData }[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.map((metric) => ({ scope: scope.scope, metric })),
  );
}

function points(all: { metric: MetricData }[], name: string): DataPoint<unknown>[] {
  return all
    .filter((m) => m.metric.descriptor.name === name)
    .flatMap((m) => m.metric.dataPoints as DataPoint<unknown>[]);
}

function matching<T extends DataPoint<unknown>>(list: T[], attrs: Record<string, string>): T[] {
  return list.filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));
}

function histogramCount(list: DataPoint<unknown>[], attrs: Record<string, string>): number {
  return matching(list, attrs).reduce((n, p) => n + (p.value as Histogram).count, 0);
}

function counterSum(list: DataPoint<unknown>[], attrs: Record<string, string> = {}): number {
  return matching(list, attrs).reduce((n, p) => n + (p.value as number), 0);
}

/** Every string an exported span holds: name, attributes, status, events, links. */
function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    status: span.status,
    events: span.events,
    links: span.links,
  });
}

afterEach(() => {
  metrics.disable();
  trace.disable();
  context.disable();
});

describe("OpenTelemetry through the real metrics and tracing SDKs", () => {
  it("names every instrument with its unit under a versioned scope, and buckets durations in seconds", async () => {
    const { reader, meterProvider, tracerProvider } = sdk();
    const manager = new SecretManager({ provider: new MemoryProvider(), meterProvider, tracerProvider });
    await manager.setSecret("A", VALUE);
    await manager.getSecret("A");
    await manager.getSecret("A"); // cached
    await manager.getSecretRecords(["A", "B", "C"], { fresh: true });
    await manager.getRequiredSecret("NOPE").catch(() => undefined);
    await manager.checkProvider();
    manager.metrics.healthStatus("healthy", { provider: "memory" });

    const all = await collect(reader);
    const units = Object.fromEntries(all.map((m) => [m.metric.descriptor.name, m.metric.descriptor.unit]));
    expect(units).toEqual({
      secret_manager_requests_total: "{request}",
      secret_manager_cache_hits_total: "{hit}",
      secret_manager_operation_duration_seconds: "s",
      secret_health_check_status: "1",
    });
    for (const { scope } of all)
      expect(scope).toMatchObject({ name: "@org/secrets-core", version: packageVersion });
    expect(INSTRUMENTATION_VERSION).toBe(packageVersion);

    const durations = points(all, "secret_manager_operation_duration_seconds");
    expect((durations[0]?.value as Histogram | undefined)?.buckets.boundaries).toEqual([
      ...DURATION_BUCKETS_SECONDS,
    ]);
    expect(DURATION_BUCKETS_SECONDS[0]).toBe(0.001);
    expect(DURATION_BUCKETS_SECONDS.at(-1)).toBe(30);
    // One per provider operation; the cached read is not one.
    expect(histogramCount(durations, { provider: "memory", operation: "set", outcome: "success" })).toBe(1);
    expect(histogramCount(durations, { operation: "get", outcome: "success" })).toBe(1);
    expect(histogramCount(durations, { operation: "get", outcome: "missing" })).toBe(1);
    expect(histogramCount(durations, { operation: "get_many", outcome: "success" })).toBe(1);
    expect(histogramCount(durations, { operation: "check", outcome: "success" })).toBe(1);
    expect(histogramCount(durations, {})).toBe(5);
    for (const p of durations) expect((p.value as Histogram).sum).toBeGreaterThanOrEqual(0);
  });

  it("counts a required secret that is missing as `missing`, never as an error", async () => {
    const { reader, meterProvider, exporter, tracerProvider } = sdk();
    const manager = new SecretManager({ provider: new MemoryProvider(), meterProvider, tracerProvider });
    await expect(manager.getRequiredSecret("NOPE")).rejects.toThrow("Required secret 'NOPE' not found");
    await expect(manager.getRequiredSecret("NOPE")).rejects.toThrow("Required secret 'NOPE' not found");

    const all = await collect(reader);
    expect(points(all, "secret_manager_errors_total")).toHaveLength(0);
    const requests = points(all, "secret_manager_requests_total");
    expect(counterSum(requests, { operation: "get", outcome: "missing" })).toBe(1);
    expect(counterSum(requests, { operation: "get", outcome: "hit" })).toBe(1); // the cached absence
    expect(counterSum(requests, { outcome: "error" })).toBe(0);
    const [span] = exporter.getFinishedSpans();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(span?.attributes["secret.outcome"]).toBe("missing");
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("makes one span per provider call with provider, operation, outcome and name, never a value", async () => {
    const { exporter, tracerProvider } = sdk();
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider, tracerProvider });
    await manager.setSecret("DATABASE_URL", VALUE);
    await manager.getSecret("DATABASE_URL");
    await manager.getSecret("DATABASE_URL"); // cached: no span
    await manager.getSecretRecords(["DATABASE_URL", "B", "C"], { fresh: true });
    await manager.deleteSecret("B");
    await manager.listSecrets();

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual([
      "secret.set",
      "secret.get",
      "secret.get_many",
      "secret.delete",
      "secret.list",
    ]);
    expect(spans[0]?.attributes).toEqual({
      "secret.provider": "memory",
      "secret.operation": "set",
      "secret.name": "DATABASE_URL",
      "secret.outcome": "success",
    });
    expect(spans[1]?.attributes).toEqual({
      "secret.provider": "memory",
      "secret.operation": "get",
      "secret.name": "DATABASE_URL",
      "secret.outcome": "success",
    });
    // A batch carries its size, not its names.
    expect(spans[2]?.attributes).toEqual({
      "secret.provider": "memory",
      "secret.operation": "get_many",
      "secret.count": 3,
      "secret.outcome": "success",
    });
    expect(spans[3]?.attributes["secret.outcome"]).toBe("missing");
    expect(spans[4]?.attributes).not.toHaveProperty("secret.name");
    for (const span of spans) {
      expect(span.instrumentationScope).toMatchObject({ name: "@org/secrets-core", version: packageVersion });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(spanText(span)).not.toContain(VALUE);
    }
    expect(provider.calls).toMatchObject({ get: 1, getMany: 1, set: 1, delete: 1, list: 1 });
  });

  it("marks a failed call as an error described by its code alone, with no backend words or value", async () => {
    const { reader, meterProvider, exporter, tracerProvider } = sdk();
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider, meterProvider, tracerProvider });
    await manager.setSecret("TOKEN", VALUE);
    manager.invalidate();
    provider.failWith = new ProviderUnavailableError(`${BACKEND_WORDS} ${VALUE}`, { provider: "memory" });
    await expect(manager.getSecret("TOKEN")).rejects.toThrow();
    provider.failWith = Object.assign(new Error(`${BACKEND_WORDS} ${VALUE}`), { code: "weird code!" });
    await expect(manager.setSecret("TOKEN", `${VALUE}-2`)).rejects.toThrow();
    provider.failWith = undefined;
    const check = await manager.checkProvider();
    expect(check.ok).toBe(true);

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(["secret.set", "secret.get", "secret.set", "secret.check"]);
    const [, failedGet, failedSet] = spans;
    expect(failedGet?.status).toEqual({ code: SpanStatusCode.ERROR, message: "PROVIDER_UNAVAILABLE" });
    expect(failedGet?.attributes).toMatchObject({
      "secret.outcome": "error",
      "error.type": "PROVIDER_UNAVAILABLE",
      "secret.name": "TOKEN",
    });
    expect(failedSet?.status).toEqual({ code: SpanStatusCode.ERROR, message: "PROVIDER_ERROR" });
    expect(failedSet?.attributes["error.type"]).toBe("PROVIDER_ERROR");
    for (const span of spans) {
      expect(span.events).toEqual([]); // no recorded exception: its message could hold backend words
      expect(spanText(span)).not.toContain(VALUE);
      expect(spanText(span)).not.toContain(BACKEND_WORDS);
    }

    const all = await collect(reader);
    const durations = points(all, "secret_manager_operation_duration_seconds");
    expect(histogramCount(durations, { operation: "get", outcome: "error" })).toBe(1);
    expect(histogramCount(durations, { operation: "set", outcome: "error" })).toBe(1);
    const errorsMetric = all.find((m) => m.metric.descriptor.name === "secret_manager_errors_total");
    expect(errorsMetric?.metric.descriptor.unit).toBe("{error}");
    const errors = points(all, "secret_manager_errors_total");
    expect(counterSum(errors, { operation: "get", code: "PROVIDER_UNAVAILABLE" })).toBe(1);
    expect(counterSum(errors, { operation: "set", code: "PROVIDER_ERROR" })).toBe(1);
    for (const { metric } of all)
      for (const p of metric.dataPoints) expect(JSON.stringify(p.attributes)).not.toContain(VALUE);
  });

  it("nests provider calls under the caller's span, and the provider's own spans under them", async () => {
    const { exporter, tracerProvider } = sdk();
    context.setGlobalContextManager(new StorageContextManager());
    trace.setGlobalTracerProvider(tracerProvider);
    class TracedProvider extends MemoryProvider {
      override async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
        const span = trace.getTracer("http-client").startSpan("GET");
        try {
          return await super.get(name, options);
        } finally {
          span.end();
        }
      }
    }
    const manager = new SecretManager({ provider: new TracedProvider() });
    const app = trace.getTracer("app");
    await app.startActiveSpan("request", async (span) => {
      await manager.getSecret("A");
      span.end();
    });

    const spans = exporter.getFinishedSpans();
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(["GET", "request", "secret.get"]);
    const id = (s: ReadableSpan | undefined) => s?.spanContext().spanId;
    expect(byName["secret.get"]?.parentSpanContext?.spanId).toBe(id(byName.request));
    expect(byName.GET?.parentSpanContext?.spanId).toBe(id(byName["secret.get"]));
    expect(byName["secret.get"]?.attributes["secret.outcome"]).toBe("missing");
  });

  it("a tracer whose spans throw from every method, and a meter whose instruments throw, never fail an operation", async () => {
    const thrown: string[] = [];
    const boom = (method: string) => () => {
      thrown.push(method);
      throw new Error(`telemetry ${method} failed`);
    };
    const span = Object.fromEntries(
      [
        "spanContext",
        "setAttribute",
        "setAttributes",
        "addEvent",
        "addLink",
        "addLinks",
        "setStatus",
        "updateName",
        "end",
        "isRecording",
        "recordException",
      ].map((m) => [m, boom(m)]),
    );
    const recordingSpan = { ...span, isRecording: () => true };
    const instrument = { add: boom("add"), record: boom("record") };
    const meterProvider = {
      getMeter: () => ({
        createCounter: () => instrument,
        createGauge: () => instrument,
        createHistogram: () => instrument,
      }),
    };
    context.setGlobalContextManager(new StorageContextManager());
    for (const each of [span, recordingSpan]) {
      const provider = new MemoryProvider();
      const tracerProvider = {
        getTracer: () => ({ startSpan: () => each, startActiveSpan: boom("startActiveSpan") }),
      };
      const manager = new SecretManager({
        provider,
        tracerProvider: tracerProvider as never,
        meterProvider: meterProvider as never,
      });
      expect(await manager.setSecret("A", VALUE)).toBe(true);
      expect(await manager.getSecret("A", { fresh: true })).toBe(VALUE);
      expect([...(await manager.getSecrets(["A", "B"], { fresh: true }))]).toEqual([["A", VALUE]]);
      expect((await manager.getSecretRecord("A", { metadata: true }))?.value).toBe(VALUE);
      expect(await manager.listSecrets()).toEqual(["A"]);
      expect((await manager.checkProvider()).ok).toBe(true);
      expect(await manager.deleteSecret("A")).toBe(true);
      provider.failWith = new ProviderUnavailableError("down", { provider: provider.name });
      await expect(manager.getSecret("A", { fresh: true })).rejects.toBeInstanceOf(ProviderUnavailableError);
    }
    // The hostile spans were called (and threw), and nothing of it reached the caller.
    expect(thrown).toContain("isRecording");
    expect(thrown).toContain("setAttributes");
    expect(thrown).toContain("end");
  });

  it("is a no-op until an SDK registers, then uses the global providers", async () => {
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider });
    await manager.getSecret("EARLY");
    const { reader, meterProvider, exporter, tracerProvider } = sdk();
    metrics.setGlobalMeterProvider(meterProvider);
    trace.setGlobalTracerProvider(tracerProvider);
    await manager.getSecret("LATE");
    expect(exporter.getFinishedSpans().map((s) => s.attributes["secret.name"])).toEqual(["LATE"]);
    const durations = points(await collect(reader), "secret_manager_operation_duration_seconds");
    expect(histogramCount(durations, {})).toBe(1);
    expect(provider.calls.get).toBe(2);
  });

  it("creates nothing when imported: no meter or tracer is asked for until an operation runs", () => {
    const dist = path.resolve(here, "../dist");
    for (const [kind, load] of [
      ["esm", `import(${JSON.stringify(`${dist}/index.js`)})`],
      ["cjs", `Promise.resolve(require(${JSON.stringify(`${dist}/index.cjs`)}))`],
    ] as const) {
      const api = kind === "esm" ? "await import('@opentelemetry/api')" : "require('@opentelemetry/api')";
      const script = `(async () => {
        const { metrics, trace, ProxyTracerProvider } = ${api};
        const asked = [];
        const noopMeter = metrics.getMeterProvider().getMeter("x");
        const noopTracer = new ProxyTracerProvider().getTracer("x");
        metrics.setGlobalMeterProvider({ getMeter: (n, v) => (asked.push("meter " + n + "@" + v), noopMeter) });
        trace.setGlobalTracerProvider({ getTracer: (n, v) => (asked.push("tracer " + n + "@" + v), noopTracer) });
        const core = await ${load};
        const atImport = asked.length;
        const manager = new core.SecretManager({ provider: { name: "p", async get() {}, async set() {}, async delete() { return false; }, async check() {} } });
        const afterCreate = asked.length;
        await manager.getSecret("A");
        process.stdout.write(JSON.stringify({ atImport, afterCreate, asked: [...new Set(asked)].sort() }));
      })()`;
      const out = execFileSync(
        process.execPath,
        [kind === "esm" ? "--input-type=module" : "--input-type=commonjs", "-e", script],
        {
          cwd: path.resolve(here, ".."),
        },
      );
      expect(JSON.parse(String(out))).toEqual({
        atImport: 0,
        afterCreate: 0,
        asked: [`meter @org/secrets-core@${packageVersion}`, `tracer @org/secrets-core@${packageVersion}`],
      });
    }
  });
});
