import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import {
  createLogger,
  parseLogLevel,
  REDACTED,
  redact,
  registerSecretValue,
  SecretConfigError,
  SecretManager,
} from "../src/index.js";

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

describe("logging", () => {
  it("parses LOG_LEVEL in any case and rejects nonsense with the variable's name", () => {
    expect(parseLogLevel("DEBUG")).toBe("debug");
    expect(parseLogLevel("Warning")).toBe("warn");
    expect(parseLogLevel(undefined)).toBe("warn");
    expect(() => parseLogLevel("loud")).toThrow(SecretConfigError);
    expect(() => parseLogLevel("loud")).toThrow(/LOG_LEVEL/);
  });

  it("writes debug lines only at debug level, with name, provider, outcome and duration", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", write: (l) => lines.push(l) });
    const manager = new SecretManager({ provider: new MemoryProvider(), logger });
    await manager.getSecret("SECRET_KEY");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /DEBUG secret\.get name=SECRET_KEY provider=memory outcome=missing duration_ms=\d+/,
    );

    const quiet: string[] = [];
    const info = new SecretManager({
      provider: new MemoryProvider(),
      logger: createLogger({ level: "info", write: (l) => quiet.push(l) }),
    });
    await info.getSecret("SECRET_KEY");
    expect(quiet).toHaveLength(0);
  });

  it("writes JSON lines when asked", () => {
    const lines: string[] = [];
    createLogger({ level: "info", format: "json", write: (l) => lines.push(l) }).info("hello", { name: "A" });
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ level: "info", msg: "hello", name: "A" });
  });

  it("masks fields whose names suggest a value, and known values anywhere", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", write: (l) => lines.push(l) });
    registerSecretValue("hunter2-canary");
    logger.info("token is hunter2-canary", { token: "abc", password: "p", note: "x hunter2-canary y" });
    expect(lines[0]).not.toContain("hunter2-canary");
    expect(lines[0]).toContain(`token=${REDACTED}`);
    expect(lines[0]).toContain(`password=${REDACTED}`);
    expect(redact(`"hunter2-canary"`)).toBe(`"${REDACTED}"`);
  });

  it("a canary value never appears in any log line, error message or metric attribute", async () => {
    const canary = `canary-${Math.random().toString(36).slice(2)}-Zq9`;
    const lines: string[] = [];
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const logger = createLogger({ level: "debug", write: (l) => lines.push(l) });
    const provider = new MemoryProvider();
    const manager = new SecretManager({
      provider,
      logger,
      meterProvider,
      cacheTtlMs: 1,
      staleIfErrorMs: 60_000,
    });
    const messages: string[] = [];
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        messages.push(String((error as Error).message), String((error as Error).stack));
      }
    };

    await attempt(() => manager.setSecret("CANARY", canary));
    await attempt(() => manager.getSecret("CANARY"));
    await attempt(() => manager.getRequiredSecret("CANARY"));
    await attempt(() => manager.getSecrets(["CANARY", "OTHER"]));
    await attempt(() => manager.getSecret("CANARY", { version: "previous" }));
    await attempt(() => manager.listSecrets());
    await attempt(() => manager.checkProvider());
    // Failures, including a backend that echoes the value back in its error message.
    provider.failWith = new Error(`backend rejected payload {"value":"${canary}"}`);
    await new Promise((r) => setTimeout(r, 5));
    await attempt(() => manager.getSecret("CANARY"));
    await attempt(() => manager.setSecret("CANARY", canary));
    await attempt(() => manager.setSecret("CANARY", `${canary}-2`, { ifAbsent: true }));
    await attempt(() => manager.deleteSecret("CANARY"));
    await attempt(() => manager.getSecrets(["CANARY", "OTHER"]));
    await attempt(() => manager.checkProvider().then((r) => messages.push(r.error?.message ?? "")));
    provider.failWith = undefined;
    await attempt(() => manager.deleteSecret("CANARY"));
    await attempt(() => manager.getRequiredSecret("CANARY"));

    expect(lines.length).toBeGreaterThan(8);
    expect(messages.length).toBeGreaterThan(4);
    for (const text of [...lines, ...messages]) expect(text).not.toContain(canary);
    const { resourceMetrics } = await reader.collect();
    const attributes = JSON.stringify(
      resourceMetrics.scopeMetrics.flatMap((s) =>
        s.metrics.flatMap((m) => m.dataPoints.map((d) => d.attributes)),
      ),
    );
    expect(attributes).toContain("memory");
    expect(attributes).not.toContain(canary);
  });
});
