import { SpanStatusCode } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { SecretManager } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { parseManifest, SecretInitializer } from "../src/index.js";
import { authFailure, MemoryProvider } from "./helpers.js";

const GENERATED_ONLY = parseManifest(`version: 1
secrets:
  SECRET_KEY: { generate: hex }
  JWT_SECRET_KEY: { generate: alphanumeric }
`);

const WITH_MANUAL = parseManifest(`version: 1
secrets:
  SECRET_KEY: { generate: hex }
  DATABASE_URL: { generate: false }
`);

function setup(manifest = GENERATED_ONLY) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const provider = new MemoryProvider();
  const manager = new SecretManager({ provider, tracerProvider });
  const initializer = new SecretInitializer({ manager, manifest });
  const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);
  /** Every value the provider holds must be absent from every span. */
  const assertNoValues = () => {
    const values = [...provider.data.values()].flatMap((versions) => versions.map((v) => v.value));
    expect(values.length).toBeGreaterThan(0);
    for (const span of exporter.getFinishedSpans()) {
      const text = JSON.stringify({ a: span.attributes, s: span.status, e: span.events });
      for (const value of values) expect(text).not.toContain(value);
    }
  };
  return { provider, initializer, exporter, spans, assertNoValues };
}

describe("spans for init, rotate and health", () => {
  it("wraps init in one secret.init span with its outcome and count, never a value", async () => {
    const { initializer, spans, assertNoValues, provider } = setup();
    const result = await initializer.initializeSecrets();
    expect(result.ok).toBe(true);
    expect(provider.calls.set).toBe(2);
    const [init] = spans("secret.init");
    expect(spans("secret.init")).toHaveLength(1);
    expect(init?.attributes).toEqual({
      "secret.provider": "memory",
      "secret.operation": "init",
      "secret.dry_run": false,
      "secret.outcome": "success",
      "secret.count": 2,
    });
    expect(init?.status.code).toBe(SpanStatusCode.UNSET);
    // The provider calls it made have their own spans.
    expect(spans("secret.set")).toHaveLength(2);
    assertNoValues();
  });

  it("marks an init that left a required secret missing as incomplete", async () => {
    const { initializer, spans } = setup(WITH_MANUAL);
    const result = await initializer.initializeSecrets({ dryRun: true });
    expect(result.ok).toBe(false);
    const [init] = spans("secret.init");
    expect(init?.attributes).toMatchObject({ "secret.outcome": "incomplete", "secret.dry_run": true });
    expect(init?.status).toEqual({ code: SpanStatusCode.ERROR, message: "INCOMPLETE" });
  });

  it("wraps rotate, and records a refused rotation with its error code", async () => {
    const { initializer, spans, assertNoValues } = setup();
    await initializer.initializeSecrets();
    const rotated = await initializer.rotateSecrets(["SECRET_KEY"]);
    expect(rotated.ok).toBe(true);
    await expect(initializer.rotateSecrets(["NOT_DECLARED"])).rejects.toThrow();
    const [ok, refused] = spans("secret.rotate");
    expect(spans("secret.rotate")).toHaveLength(2);
    expect(ok?.attributes).toMatchObject({
      "secret.operation": "rotate",
      "secret.outcome": "success",
      "secret.count": 1,
    });
    expect(refused?.attributes).toMatchObject({ "secret.outcome": "error", "error.type": "INVALID_CONFIG" });
    expect(refused?.status).toEqual({ code: SpanStatusCode.ERROR, message: "INVALID_CONFIG" });
    expect(refused?.events).toEqual([]);
    assertNoValues();
  });

  it("gives the health span the report's status, and an error status with the provider's code when unhealthy", async () => {
    const { initializer, spans, provider } = setup();
    await initializer.initializeSecrets();
    expect((await initializer.healthCheck()).status).toBe("healthy");
    provider.checkError = authFailure();
    expect((await initializer.healthCheck()).status).toBe("unhealthy");
    const [healthy, unhealthy] = spans("secret.health");
    expect(spans("secret.health")).toHaveLength(2);
    expect(healthy?.attributes).toEqual({
      "secret.provider": "memory",
      "secret.operation": "health",
      "secret.outcome": "healthy",
      "secret.count": 2,
    });
    expect(healthy?.status.code).toBe(SpanStatusCode.UNSET);
    expect(unhealthy?.attributes).toMatchObject({
      "secret.outcome": "unhealthy",
      "error.type": "AUTHENTICATION_FAILED",
    });
    expect(unhealthy?.status).toEqual({ code: SpanStatusCode.ERROR, message: "AUTHENTICATION_FAILED" });
    // Reading the declared secrets is the check: no separate probe, so no check span.
    expect(spans("secret.check")).toEqual([]);
  });
});
