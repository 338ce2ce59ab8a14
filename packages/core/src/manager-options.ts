/**
 * The manager's options and the option types of its methods, and how the
 * constructor's options are checked and given their defaults.
 */
import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import {
  DEFAULT_CACHE_TTL_SECONDS,
  DEFAULT_STALE_IF_ERROR_SECONDS,
  DEFAULT_STALE_WAIT_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  MAX_TIMEOUT_MS,
} from "./config.js";
import type { SecretProvider, SecretRecord, WriteOptions } from "./contract.js";
import { SecretConfigError, type SecretError } from "./errors.js";
import type { Logger } from "./logger.js";

export interface SecretManagerOptions {
  /** A provider instance, or a function that resolves one on first use (bounded by `timeoutMs`). */
  provider: SecretProvider | (() => Promise<SecretProvider>);
  /** Name to use in logs and errors before a lazy provider is resolved. */
  providerName?: string;
  /** Cache time-to-live in milliseconds (default 300 000; 0 turns caching off). */
  cacheTtlMs?: number;
  /** How long past its TTL a cached value may still be served (default 900 000). */
  staleIfErrorMs?: number;
  /**
   * How long a read of a value past its TTL (but inside its stale window) waits
   * for the refresh before it serves the stale value (default 1 000). The refresh
   * goes on in the background and updates the cache when it succeeds.
   */
  staleWaitMs?: number;
  /**
   * The deadline of every provider call, in milliseconds (default 10 000). The
   * call's `AbortSignal` aborts then, and the manager rejects with `SecretTimeoutError`.
   */
  timeoutMs?: number;
  logger?: Logger;
  /** Defaults to the global OpenTelemetry meter provider. */
  meterProvider?: MeterProvider;
  /** Defaults to the global OpenTelemetry tracer provider. */
  tracerProvider?: TracerProvider;
  /** Most backend calls in flight for bulk operations (default 8). */
  concurrency?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface GetOptions {
  /** A provider-specific version id, or `"previous"`. Needs the `versions` capability; never cached. */
  version?: string | undefined;
  /** Ask the backend even when a fresh cached value exists. */
  fresh?: boolean | undefined;
  /** With `false`, a backend failure is thrown even when a cached value could stand in (default `true`). */
  allowStale?: boolean | undefined;
  /**
   * Also ask for `createdAt`, `updatedAt` and custom `metadata`, which some
   * providers fetch with an extra request (AWS: tags and creation date). Such
   * reads go to the backend and are never cached, like `version` reads.
   */
  metadata?: boolean | undefined;
}

export interface SetOptions extends Omit<WriteOptions, "signal"> {
  /** Give up early: the provider call is aborted and the write rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export interface ProviderCheckResult {
  ok: boolean;
  provider: string;
  latencyMs: number;
  details?: Record<string, string | number | boolean> | undefined;
  /** What the provider's `check` said should be fixed (see `ProviderStatus.warnings`): one line each, redacted. */
  warnings?: string[] | undefined;
  error?: SecretError | undefined;
}

/** What `getSecretRecordsSettled` found: records, per-name errors, and a failure of the whole read. */
export interface SettledRecords {
  records: Map<string, SecretRecord>;
  /** Names that could not be read, each with its own error. */
  errors: Map<string, SecretError>;
  /** Set when nothing could be read: the backend as a whole failed. */
  failure?: SecretError | undefined;
}

/** The constructor's options, checked, with their defaults. */
export interface ManagerSettings {
  readonly timeoutMs: number;
  readonly staleWaitMs: number;
  readonly cacheTtlMs: number;
  readonly staleIfErrorMs: number;
  readonly concurrency: number;
  readonly now: () => number;
}

/** Check the constructor's options (throwing `SecretConfigError` naming the field) and fill in defaults. */
export function managerSettings(options: SecretManagerOptions): ManagerSettings {
  return {
    now: options.now ?? Date.now,
    timeoutMs: durationOption("timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_SECONDS * 1000, 1),
    staleWaitMs: durationOption("staleWaitMs", options.staleWaitMs, DEFAULT_STALE_WAIT_SECONDS * 1000, 0),
    cacheTtlMs: options.cacheTtlMs ?? DEFAULT_CACHE_TTL_SECONDS * 1000,
    staleIfErrorMs: options.staleIfErrorMs ?? DEFAULT_STALE_IF_ERROR_SECONDS * 1000,
    concurrency: Math.max(1, options.concurrency ?? 8),
  };
}

/** A duration option in milliseconds: a finite number at least `min`, capped to what a timer can hold. */
function durationOption(field: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < min)
    throw new SecretConfigError(
      `Invalid ${field} ${String(value)}: use a number of milliseconds, ${min === 0 ? "0 or more" : "more than 0"}`,
      { field },
    );
  return Math.min(MAX_TIMEOUT_MS, Math.round(value));
}
