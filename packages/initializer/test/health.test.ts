import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  type ProviderCapabilities,
  ProviderUnavailableError,
  SecretManager,
  SecretScheduledForDeletionError,
} from "@org/secrets-core";
import { afterEach, describe, expect, it } from "vitest";
import { type HealthReport, parseManifest, SecretInitializer } from "../src/index.js";
import { authFailure, captureLogs, MemoryProvider, managerFor } from "./helpers.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date("2025-06-01T00:00:00.000Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

const MANIFEST = parseManifest(`version: 1
secrets:
  SECRET_KEY: { generate: hex, rotation: 90d }
  DATABASE_URL: { generate: false }
  REDIS_PASSWORD: { required: false, generate: alphanumeric }
`);

function setup(capabilities: Partial<ProviderCapabilities> = {}, meterProvider?: MeterProvider) {
  const provider = new MemoryProvider({ capabilities, now: () => NOW });
  const logs = captureLogs();
  const manager = new SecretManager({
    provider,
    logger: logs.logger,
    ...(meterProvider ? { meterProvider } : {}),
  });
  const initializer = new SecretInitializer({ manager, manifest: MANIFEST, now: () => NOW });
  return { provider, manager, initializer, logs };
}

function seedAll(provider: MemoryProvider, rotatedDaysAgo = 10): void {
  provider.seed("SECRET_KEY", "secret-key-value", {
    metadata: { rotatedAt: daysAgo(rotatedDaysAgo).toISOString() },
  });
  provider.seed("DATABASE_URL", "postgres://db");
  provider.seed("REDIS_PASSWORD", "redis-password-value");
}

function secret(report: HealthReport, name: string) {
  return report.secrets.find((s) => s.name === name);
}

describe("healthCheck", () => {
  it("is healthy when every secret is present and rotations are current", async () => {
    const { provider, initializer } = setup();
    seedAll(provider);
    const report = await initializer.healthCheck();
    expect(report.status).toBe("healthy");
    expect(report.checkedAt).toBe(NOW.toISOString());
    expect(report.manifest).toBe("secrets.yaml");
    expect(report.provider).toMatchObject({ name: "memory", ok: true });
    expect(report.provider.error).toBeUndefined();
    expect(typeof report.provider.latencyMs).toBe("number");
    expect(secret(report, "SECRET_KEY")).toEqual({
      name: "SECRET_KEY",
      required: true,
      present: true,
      status: "ok",
      rotation: {
        period: "90d",
        lastRotated: daysAgo(10).toISOString(),
        dueAt: new Date(daysAgo(10).getTime() + 90 * DAY).toISOString(),
        overdue: false,
        state: "current",
      },
    });
    expect(report.summary).toEqual({
      total: 3,
      ok: 3,
      missing: 0,
      missingRequired: 0,
      overdue: 0,
      rotationUnknown: 0,
      error: 0,
    });
    // One bulk read, then the provider's check (which a provider may answer from that read).
    expect(provider.calls).toMatchObject({ check: 1, getMany: 1, get: 0 });
  });

  it("is degraded when an optional secret is missing", async () => {
    const { provider, initializer } = setup();
    seedAll(provider);
    provider.remove("REDIS_PASSWORD");
    const report = await initializer.healthCheck();
    expect(report.status).toBe("degraded");
    expect(secret(report, "REDIS_PASSWORD")).toMatchObject({
      present: false,
      status: "missing",
      required: false,
    });
    expect(report.summary).toMatchObject({ missing: 1, missingRequired: 0 });
  });

  it("is degraded while the provider's check reports a warning, and says so in the report and the log", async () => {
    const { provider, initializer, logs } = setup();
    seedAll(provider);
    const warning = "/srv/app/.env can be read or written by other users (mode 0644): run chmod 600 on it";
    const check = provider.check;
    // A check that answers with a status (the memory provider's answers nothing).
    Object.assign(provider, {
      check: async () => {
        await check.call(provider);
        return { details: { file: "/srv/app/.env" }, warnings: [warning] };
      },
    });
    const report = await initializer.healthCheck();
    expect(report.status).toBe("degraded");
    expect(report.provider).toMatchObject({ name: "memory", ok: true, warnings: [warning] });
    // Every secret is fine: the provider alone makes it degraded.
    expect(report.summary).toMatchObject({ ok: 3, missing: 0, overdue: 0, error: 0 });
    expect(logs.lines.join("\n")).toContain(warning);

    // None reported: healthy again, with no warnings field at all.
    Object.assign(provider, { check });
    const fixed = await initializer.healthCheck();
    expect(fixed.status).toBe("healthy");
    expect("warnings" in fixed.provider).toBe(false);
  });

  it("is degraded when a rotation is overdue, by the injected clock", async () => {
    const { provider, initializer } = setup();
    seedAll(provider, 91);
    const report = await initializer.healthCheck();
    expect(report.status).toBe("degraded");
    const secretKey = secret(report, "SECRET_KEY");
    expect(secretKey?.status).toBe("overdue");
    expect(secretKey?.rotation).toMatchObject({
      overdue: true,
      state: "overdue",
      dueAt: daysAgo(1).toISOString(),
    });
    expect(secretKey?.message).toContain("secrets rotate SECRET_KEY");
    expect(report.summary.overdue).toBe(1);
  });

  it("falls back to the provider's updatedAt when there is no rotatedAt metadata", async () => {
    const { provider, initializer } = setup();
    seedAll(provider);
    provider.remove("SECRET_KEY");
    provider.seed("SECRET_KEY", "secret-key-value", { updatedAt: daysAgo(120) });
    const report = await initializer.healthCheck();
    expect(secret(report, "SECRET_KEY")?.rotation).toMatchObject({
      lastRotated: daysAgo(120).toISOString(),
      overdue: true,
    });
    expect(report.status).toBe("degraded");
  });

  it("does not believe a rotation date in the future, however far: the provider's updatedAt counts instead", async () => {
    for (const stamp of [
      "+275760-09-13T00:00:00.000Z",
      "9999-12-31T00:00:00.000Z",
      daysAgo(-30).toISOString(),
    ]) {
      const { provider, initializer } = setup();
      seedAll(provider);
      provider.remove("SECRET_KEY");
      provider.seed("SECRET_KEY", "secret-key-value", {
        metadata: { rotatedAt: stamp },
        updatedAt: daysAgo(120),
      });
      const report = await initializer.healthCheck();
      expect(secret(report, "SECRET_KEY")?.rotation, stamp).toMatchObject({
        lastRotated: daysAgo(120).toISOString(),
        state: "overdue",
      });
      expect(report.status).toBe("degraded");
    }
  });

  it("calls a rotation unknown when no date it has can be believed or due", async () => {
    const { provider, initializer } = setup();
    seedAll(provider);
    provider.remove("SECRET_KEY");
    provider.seed("SECRET_KEY", "secret-key-value", {
      metadata: { rotatedAt: "+275760-09-13T00:00:00.000Z" },
      updatedAt: new Date(8.64e15),
    });
    const report = await initializer.healthCheck();
    expect(secret(report, "SECRET_KEY")).toMatchObject({
      status: "ok",
      rotation: { state: "unknown", overdue: false },
    });
  });

  it("calls a rotation with no known date unknown, not overdue", async () => {
    const { provider, initializer } = setup({ metadata: false, versions: false });
    seedAll(provider, 400);
    const report = await initializer.healthCheck();
    expect(report.status).toBe("healthy");
    const secretKey = secret(report, "SECRET_KEY");
    expect(secretKey).toMatchObject({
      status: "ok",
      rotation: { period: "90d", overdue: false, state: "unknown" },
    });
    expect(secretKey?.rotation?.lastRotated).toBeUndefined();
    expect(report.summary.rotationUnknown).toBe(1);
  });

  it("is unhealthy when a required secret is missing", async () => {
    const { provider, initializer } = setup();
    seedAll(provider);
    provider.remove("DATABASE_URL");
    const report = await initializer.healthCheck();
    expect(report.status).toBe("unhealthy");
    expect(secret(report, "DATABASE_URL")).toEqual({
      name: "DATABASE_URL",
      required: true,
      present: false,
      status: "missing",
      message: "Required secret 'DATABASE_URL' not found: set it with secrets set DATABASE_URL",
    });
    expect(report.summary).toMatchObject({ missing: 1, missingRequired: 1 });
  });

  it("is unhealthy with the provider's error code and message when the backend refuses us, after one read", async () => {
    const { provider, initializer } = setup();
    seedAll(provider);
    provider.checkError = authFailure();
    const report = await initializer.healthCheck();
    expect(report.status).toBe("unhealthy");
    expect(report.provider).toMatchObject({
      name: "memory",
      ok: false,
      error: { code: "AUTHENTICATION_FAILED", message: "Memory authentication failed: token expired" },
    });
    expect(report.secrets.every((s) => s.status === "error" && !s.present)).toBe(true);
    expect(report.summary.error).toBe(3);
    // The refusal concerns every secret: no read per name after the failed batch, and no
    // check after it (against a hung backend that would wait out a second deadline).
    expect(provider.calls).toMatchObject({ check: 0, getMany: 1, get: 0 });
  });

  it("is unhealthy when the bulk read fails after a good check", async () => {
    const { provider, initializer } = setup();
    seedAll(provider);
    provider.readError = new ProviderUnavailableError("Secret provider 'memory' is unreachable", {
      provider: "memory",
    });
    const report = await initializer.healthCheck();
    expect(report.status).toBe("unhealthy");
    expect(report.provider).toMatchObject({ ok: false, error: { code: "PROVIDER_UNAVAILABLE" } });
  });

  it("reads the backend, not this process's cache", async () => {
    const provider = new MemoryProvider();
    seedAll(provider);
    const manager = new SecretManager({ provider, cacheTtlMs: 60_000 });
    await manager.getSecrets(["SECRET_KEY", "DATABASE_URL", "REDIS_PASSWORD"]);
    provider.remove("DATABASE_URL");
    const report = await new SecretInitializer({ manager, manifest: MANIFEST }).healthCheck();
    expect(secret(report, "DATABASE_URL")?.status).toBe("missing");
  });

  it("logs its result at info without values", async () => {
    const { provider, initializer, logs } = setup();
    seedAll(provider, 200);
    await initializer.healthCheck();
    const summary = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === "secret.health");
    expect(summary).toMatchObject({ level: "info", status: "degraded", provider: "memory", overdue: 1 });
    const text = logs.lines.join("\n");
    for (const value of ["secret-key-value", "postgres://db", "redis-password-value"])
      expect(text).not.toContain(value);
  });
});

describe("secret_health_check_status", () => {
  class TestReader extends MetricReader {
    constructor() {
      super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    }
    protected override async onForceFlush(): Promise<void> {}
    protected override async onShutdown(): Promise<void> {}
  }

  let meterProvider: MeterProvider | undefined;
  afterEach(async () => {
    await meterProvider?.shutdown();
    meterProvider = undefined;
  });

  async function gauge(reader: TestReader) {
    const { resourceMetrics } = await reader.collect();
    const points = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === "secret_health_check_status")
      .flatMap((metric) => metric.dataPoints as Array<{ value: unknown; attributes: unknown }>);
    return points.map((p) => ({ value: p.value, attributes: p.attributes }));
  }

  it("records 2 when healthy, 1 when degraded, 0 when unhealthy, by provider", async () => {
    const reader = new TestReader();
    meterProvider = new MeterProvider({ readers: [reader] });
    const { provider, initializer } = setup({}, meterProvider);

    seedAll(provider);
    await initializer.healthCheck();
    expect(await gauge(reader)).toEqual([{ value: 2, attributes: { provider: "memory" } }]);

    provider.remove("REDIS_PASSWORD");
    await initializer.healthCheck();
    expect(await gauge(reader)).toEqual([{ value: 1, attributes: { provider: "memory" } }]);

    provider.checkError = authFailure();
    await initializer.healthCheck();
    expect(await gauge(reader)).toEqual([{ value: 0, attributes: { provider: "memory" } }]);
  });

  it("is recorded through the manager's meter provider only", async () => {
    const reader = new TestReader();
    meterProvider = new MeterProvider({ readers: [reader] });
    const provider = new MemoryProvider();
    seedAll(provider);
    // A manager without the meter provider records nowhere we can see.
    await new SecretInitializer({ manager: managerFor(provider), manifest: MANIFEST }).healthCheck();
    expect(await gauge(reader)).toEqual([]);
  });

  it("attributes a failure to the one secret it concerns when a batch read fails", async () => {
    const { provider, initializer } = setup();
    seedAll(provider);
    provider.readErrors.set(
      "REDIS_PASSWORD",
      new SecretScheduledForDeletionError(
        "Secret 'REDIS_PASSWORD' is scheduled for deletion on 2025-06-20: restore it with secrets restore REDIS_PASSWORD",
        { provider: "memory", secret: "REDIS_PASSWORD" },
      ),
    );
    const report = await initializer.healthCheck();
    expect(report.provider.ok).toBe(true);
    expect(secret(report, "SECRET_KEY")?.status).toBe("ok");
    expect(secret(report, "REDIS_PASSWORD")).toMatchObject({
      status: "error",
      present: false,
      message: expect.stringContaining("secrets restore REDIS_PASSWORD"),
    });
    expect(report.status).toBe("degraded");

    // A required secret that cannot be read is unhealthy, even in a process that
    // still holds a cached copy: health reports what the backend says.
    provider.readErrors.set(
      "DATABASE_URL",
      new ProviderUnavailableError("DATABASE_URL unreadable", { provider: "memory" }),
    );
    const same = await initializer.healthCheck();
    expect(secret(same, "DATABASE_URL")?.status).toBe("error");
    expect(same.status).toBe("unhealthy");

    // And in a process that has none.
    const other = setup();
    seedAll(other.provider);
    other.provider.readErrors.set(
      "DATABASE_URL",
      new ProviderUnavailableError("DATABASE_URL unreadable", { provider: "memory" }),
    );
    const second = await other.initializer.healthCheck();
    expect(secret(second, "DATABASE_URL")?.status).toBe("error");
    expect(second.status).toBe("unhealthy");
  });
});
