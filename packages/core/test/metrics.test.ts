import { metrics } from "@opentelemetry/api";
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import { SecretManager, SecretMetrics } from "../src/index.js";

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

interface Point {
  name: string;
  attributes: Record<string, unknown>;
  value: number;
}

async function collect(reader: TestReader): Promise<Point[]> {
  const { resourceMetrics } = await reader.collect();
  const points: Point[] = [];
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics)
      for (const dp of metric.dataPoints)
        points.push({
          name: metric.descriptor.name,
          attributes: dp.attributes as Record<string, unknown>,
          value: dp.value as number,
        });
  return points;
}

function sum(points: Point[], name: string, attrs: Record<string, string> = {}): number {
  return points
    .filter((p) => p.name === name && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
    .reduce((total, p) => total + p.value, 0);
}

function sdk() {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { reader, meterProvider };
}

afterEach(() => {
  metrics.disable();
});

describe("metrics through a real OpenTelemetry SDK", () => {
  it("counts requests, cache hits and errors by provider, operation and outcome", async () => {
    const { reader, meterProvider } = sdk();
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider, meterProvider });
    await manager.setSecret("A", "value-a");
    await manager.getSecret("A");
    await manager.getSecret("A");
    await manager.getSecret("A");
    await manager.getSecret("MISSING");
    provider.failWith = new Error("boom");
    await manager.setSecret("B", "x").catch(() => {});
    await manager.getRequiredSecret("NOPE").catch(() => {});

    const points = await collect(reader);
    expect(
      sum(points, "secret_manager_requests_total", {
        provider: "memory",
        operation: "set",
        outcome: "success",
      }),
    ).toBe(1);
    expect(sum(points, "secret_manager_requests_total", { operation: "get", outcome: "success" })).toBe(1);
    expect(sum(points, "secret_manager_requests_total", { operation: "get", outcome: "hit" })).toBe(2);
    expect(sum(points, "secret_manager_requests_total", { operation: "get", outcome: "missing" })).toBe(1);
    expect(sum(points, "secret_manager_cache_hits_total", { provider: "memory" })).toBe(2);
    expect(sum(points, "secret_manager_errors_total", { operation: "set", code: "PROVIDER_ERROR" })).toBe(1);
    // NOPE: the provider failed (counted once as a provider error).
    expect(sum(points, "secret_manager_errors_total", { operation: "get", code: "PROVIDER_ERROR" })).toBe(1);
    for (const p of points)
      for (const v of Object.values(p.attributes)) expect(String(v)).not.toContain("value-a");
  });

  it("records the health status gauge", async () => {
    const { reader, meterProvider } = sdk();
    const m = new SecretMetrics(meterProvider);
    m.healthStatus("degraded", { provider: "env" });
    let points = await collect(reader);
    expect(points.find((p) => p.name === "secret_health_check_status")?.value).toBe(1);
    m.healthStatus("healthy", { provider: "env" });
    points = await collect(reader);
    expect(points.find((p) => p.name === "secret_health_check_status")?.value).toBe(2);
  });

  it("picks up a global SDK registered after the manager was created", async () => {
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider });
    await manager.getSecret("EARLY");
    const { reader, meterProvider } = sdk();
    metrics.setGlobalMeterProvider(meterProvider);
    await manager.getSecret("LATE");
    const points = await collect(reader);
    expect(sum(points, "secret_manager_requests_total", { operation: "get" })).toBe(1);
  });

  it("is a no-op without an SDK and never throws", async () => {
    const manager = new SecretManager({ provider: new MemoryProvider() });
    await expect(manager.getSecret("A")).resolves.toBeUndefined();
  });
});
