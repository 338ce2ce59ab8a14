import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryProvider } from "../../provider-testkit/src/memory-provider.js";
import {
  createLogger,
  createSecretManagerFromEnv,
  InvalidSecretValueError,
  ProviderError,
  ProviderInvalidError,
  ProviderUnavailableError,
  resolveProvider,
  SecretManager,
  type SecretProvider,
  type SecretRecord,
  SecretTimeoutError,
} from "../src/index.js";
import type { ReadOptions } from "../src/provider.js";

const VALUE = "s3cr3t-value-Zq9-never-printed";

/** What a scripted provider does with the next calls. */
type Mode = "answer" | "fail" | "hang" | "hang-honouring-signal";

/**
 * An in-process provider whose behaviour a test scripts: answer from its map,
 * fail, hang while ignoring the signal, or hang until its signal aborts.
 * Every call's signal is kept, and `held` settles the calls left hanging.
 */
class ScriptedProvider implements SecretProvider {
  readonly name = "scripted";
  readonly capabilities = {
    versions: false,
    checkAndSet: true,
    metadata: false,
  };
  readonly values = new Map<string, string>();
  readonly calls: Record<string, number> = {
    get: 0,
    getMany: 0,
    set: 0,
    delete: 0,
    list: 0,
    check: 0,
    restore: 0,
  };
  readonly signals: AbortSignal[] = [];
  readonly held: Array<{ resolve: (value: unknown) => void; reject: (error: unknown) => void }> = [];
  mode: Mode = "answer";

  async #run<T>(method: string, signal: AbortSignal | undefined, answer: () => T): Promise<T> {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    if (signal) this.signals.push(signal);
    const mode = this.mode;
    if (mode === "answer") return answer();
    if (mode === "fail")
      throw new ProviderUnavailableError("Scripted backend answered 503", { provider: this.name });
    return new Promise<T>((resolve, reject) => {
      this.held.push({ resolve: () => resolve(answer()), reject });
      if (mode === "hang-honouring-signal")
        signal?.addEventListener("abort", () => reject(new Error("socket closed by abort")), { once: true });
    });
  }

  /** Let every hanging call answer with the current values (or fail). */
  release(fail = false): void {
    for (const call of this.held.splice(0)) {
      if (fail)
        call.reject(new ProviderUnavailableError("Scripted backend answered 503", { provider: this.name }));
      else call.resolve(undefined);
    }
  }

  get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    return this.#run("get", options.signal, () => {
      const value = this.values.get(name);
      return value === undefined ? undefined : { value };
    });
  }
  getMany(names: readonly string[], options: ReadOptions = {}): Promise<Map<string, SecretRecord>> {
    return this.#run("getMany", options.signal, () => {
      const out = new Map<string, SecretRecord>();
      for (const name of names) {
        const value = this.values.get(name);
        if (value !== undefined) out.set(name, { value });
      }
      return out;
    });
  }
  set(name: string, value: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return this.#run("set", options.signal, () => {
      this.values.set(name, value);
    });
  }
  delete(name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<boolean> {
    return this.#run("delete", options.signal, () => this.values.delete(name));
  }
  list(options: { signal?: AbortSignal | undefined } = {}): Promise<string[]> {
    return this.#run("list", options.signal, () => [...this.values.keys()]);
  }
  check(options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return this.#run("check", options.signal, () => undefined);
  }
  restore(_name: string, options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    return this.#run("restore", options.signal, () => undefined);
  }
}

/** Settlement of a promise, observable without awaiting it. */
function watch<T>(promise: Promise<T>) {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return state;
}

const TTL = 1000;
const STALE = 5000;
const WAIT = 200;
const TIMEOUT = 2000;

function setup(options: { provider?: SecretProvider; staleWaitMs?: number } = {}) {
  const provider = (options.provider as ScriptedProvider | undefined) ?? new ScriptedProvider();
  const lines: string[] = [];
  const logger = createLogger({ level: "warn", write: (line) => lines.push(line) });
  const manager = new SecretManager({
    provider,
    cacheTtlMs: TTL,
    staleIfErrorMs: STALE,
    staleWaitMs: options.staleWaitMs ?? WAIT,
    timeoutMs: TIMEOUT,
    logger,
  });
  return { provider, manager, lines };
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});

afterEach(async () => {
  // Let any rejection that nobody handles surface before the check.
  await new Promise((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", onUnhandled);
  vi.useRealTimers();
  expect(unhandled).toEqual([]);
});

describe("deadlines", () => {
  it("rejects with SecretTimeoutError at the deadline when the provider never answers and ignores the signal", async () => {
    const { provider, manager } = setup();
    provider.values.set("DB_URL", VALUE);
    provider.mode = "hang";
    const read = watch(manager.getSecret("DB_URL"));
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1);
    expect(read.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(read.error).toBeInstanceOf(SecretTimeoutError);
    const error = read.error as SecretTimeoutError;
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toBe("Secret provider 'scripted' did not answer within 2 s (get 'DB_URL')");
    expect(error.provider).toBe("scripted");
    expect(error.secret).toBe("DB_URL");
    expect(error.timeoutMs).toBe(TIMEOUT);
    expect(`${error.message}\n${error.stack}`).not.toContain(VALUE);
    expect(provider.calls.get).toBe(1);
    expect(provider.signals[0]?.aborted).toBe(true);
    expect(provider.signals[0]?.reason).toBe(error);
    expect(vi.getTimerCount()).toBe(0);
    // The provider answers long after: nothing changes, nothing leaks.
    provider.release();
    await vi.advanceTimersByTimeAsync(0);
  });

  it("aborts the signal of a provider that honours it, and still reports the timeout", async () => {
    const { provider, manager } = setup();
    provider.mode = "hang-honouring-signal";
    const read = watch(manager.getSecret("DB_URL"));
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(provider.signals).toHaveLength(1);
    expect(provider.signals[0]?.aborted).toBe(true);
    expect(read.error).toBeInstanceOf(SecretTimeoutError);
    expect(provider.held).toHaveLength(1);
  });

  it("gives every provider operation a signal and a deadline", async () => {
    const { provider, manager } = setup();
    provider.mode = "hang";
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["get 'A'", () => manager.getSecret("A")],
      ["get_many of 2 secrets", () => manager.getSecrets(["A", "B"])],
      ["set 'A'", () => manager.setSecret("A", VALUE)],
      ["delete 'A'", () => manager.deleteSecret("A")],
      ["restore 'A'", () => manager.restoreSecret("A")],
      ["list", () => manager.listSecrets()],
      ["get 'A'", () => manager.getSecret("A", { fresh: true, allowStale: false })],
    ];
    for (const [what, call] of calls) {
      const before = provider.signals.length;
      const result = watch(call());
      await vi.advanceTimersByTimeAsync(TIMEOUT);
      expect(result.error, what).toBeInstanceOf(SecretTimeoutError);
      expect((result.error as Error).message).toBe(
        `Secret provider 'scripted' did not answer within 2 s (${what})`,
      );
      expect(provider.signals.length, what).toBe(before + 1);
      expect(provider.signals.at(-1)?.aborted, what).toBe(true);
    }
    const check = watch(manager.checkProvider());
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(check.value).toMatchObject({ ok: false, provider: "scripted" });
    expect(check.value?.error?.code).toBe("TIMEOUT");
    expect(provider.calls).toMatchObject({
      get: 2,
      getMany: 1,
      set: 1,
      delete: 1,
      restore: 1,
      list: 1,
      check: 1,
    });
    expect(vi.getTimerCount()).toBe(0);
    provider.release();
  });

  it("bounds the provider's close by the deadline, and scrubs its error", async () => {
    const { provider, manager } = setup();
    provider.values.set("DB_URL", VALUE);
    expect(await manager.getSecret("DB_URL")).toBe(VALUE);
    let closes = 0;
    Object.assign(provider, {
      close: () => {
        closes++;
        return new Promise<void>(() => {});
      },
    });
    const closing = watch(manager.close());
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1);
    expect(closing.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(closing.error).toBeInstanceOf(SecretTimeoutError);
    expect((closing.error as Error).message).toBe(
      "Secret provider 'scripted' did not answer within 2 s (close)",
    );
    expect(closes).toBe(1);
    expect(vi.getTimerCount()).toBe(0);

    Object.assign(provider, {
      close: async () => {
        throw Object.assign(new Error(`cannot flush ${VALUE}`), { body: VALUE });
      },
    });
    const error = await manager.close().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe(
      "Secret provider 'scripted' failed to close: cannot flush [REDACTED]",
    );
    expect(`${inspect(error, { showHidden: true, depth: 9 })}${JSON.stringify(error)}`).not.toContain(VALUE);

    Object.assign(provider, { close: async () => {} });
    await expect(manager.close()).resolves.toBeUndefined();
  });

  it("clears the timer of every call that settles in time", async () => {
    const { provider, manager } = setup();
    provider.values.set("A", "1");
    await manager.setSecret("B", "2");
    await manager.getSecret("A");
    await manager.getSecrets(["A", "B", "C"], { fresh: true });
    await manager.listSecrets();
    await manager.checkProvider();
    provider.mode = "fail";
    await expect(manager.getSecret("D")).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(provider.calls.get).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("bounds a lazy provider factory by the same deadline, and tries it again on the next call", async () => {
    let attempts = 0;
    const ready = new ScriptedProvider();
    const manager = new SecretManager({
      provider: () => {
        attempts++;
        return attempts === 1 ? new Promise<SecretProvider>(() => {}) : Promise.resolve(ready);
      },
      providerName: "lazy",
      timeoutMs: TIMEOUT,
    });
    const first = watch(manager.getSecret("A"));
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(first.error).toBeInstanceOf(SecretTimeoutError);
    expect((first.error as Error).message).toBe("Secret provider 'lazy' did not answer within 2 s (connect)");
    ready.values.set("A", "1");
    expect(await manager.getSecret("A")).toBe("1");
    expect(attempts).toBe(2);
  });

  it("a caller's signal aborts the provider call and the write rejects with its reason", async () => {
    const { provider, manager } = setup();
    provider.mode = "hang-honouring-signal";
    const controller = new AbortController();
    const write = watch(manager.setSecret("A", VALUE, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(write.error).toBe(reason);
    expect(provider.signals[0]?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("gives provider factories the deadline from SECRET_TIMEOUT", async () => {
    const seen: number[] = [];
    const loaders = {
      fake: async () => ({
        createProvider: (context: { timeoutMs: number }) => {
          seen.push(context.timeoutMs);
          return new ScriptedProvider();
        },
      }),
    };
    await resolveProvider("fake", { loaders, env: { SECRET_TIMEOUT: "2.5" } });
    await resolveProvider("fake", { loaders, env: {} });
    await resolveProvider("fake", { loaders, env: {}, timeoutMs: 1234 });
    const manager = createSecretManagerFromEnv({
      env: { SECRET_PROVIDER: "fake", SECRET_TIMEOUT: "0.75" },
      loaders,
    });
    await manager.getProvider();
    expect(manager.timeoutMs).toBe(750);
    expect(seen).toEqual([2500, 10_000, 1234, 750]);
    expect(() => createSecretManagerFromEnv({ env: { SECRET_TIMEOUT: "0" } })).toThrow(/SECRET_TIMEOUT/);
    expect(() => new SecretManager({ provider: new ScriptedProvider(), timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => new SecretManager({ provider: new ScriptedProvider(), staleWaitMs: -1 })).toThrow(
      /staleWaitMs/,
    );
  });
});

describe("stale-if-error with a bounded wait", () => {
  /** A manager whose `A` (and `B`) were read at t0 and are now past their TTL. */
  async function warm(staleWaitMs?: number) {
    const ctx = setup(staleWaitMs === undefined ? {} : { staleWaitMs });
    ctx.provider.values.set("A", "old-a");
    ctx.provider.values.set("B", "old-b");
    await ctx.manager.getSecrets(["A", "B"]);
    ctx.provider.values.set("A", "new-a");
    ctx.provider.values.set("B", "new-b");
    await vi.advanceTimersByTimeAsync(TTL + 500);
    return ctx;
  }

  it("serves the stale value once the refresh is slower than staleWaitMs, and the refresh later updates the cache", async () => {
    const { provider, manager, lines } = await warm();
    provider.mode = "hang";
    const read = watch(manager.getSecret("A"));
    const joined = watch(manager.getSecret("A"));
    await vi.advanceTimersByTimeAsync(WAIT - 1);
    expect(read.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(read.value).toBe("old-a");
    expect(joined.value).toBe("old-a");
    expect(provider.calls.get).toBe(1); // both readers share one refresh
    // Further reads while the refresh is still out join it and get the stale value at
    // once: the refresh is already slower than the bound.
    const third = watch(manager.getSecret("A"));
    await vi.advanceTimersByTimeAsync(0);
    expect(third.value).toBe("old-a");
    expect(provider.calls.get).toBe(1);
    provider.mode = "answer";
    provider.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(await manager.getSecret("A")).toBe("new-a");
    expect(provider.calls.get).toBe(1);
    const warnings = lines.filter((l) => l.includes("WARN"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("while the provider is slow");
    for (const line of lines) expect(line).not.toMatch(/old-a|new-a/);
  });

  it("serves the stale value at once when the refresh fails, and recovers when the backend returns", async () => {
    const { provider, manager, lines } = await warm();
    provider.mode = "fail";
    expect(await manager.getSecret("A")).toBe("old-a");
    expect(await manager.getSecret("A")).toBe("old-a");
    expect(provider.calls.get).toBe(2);
    expect(lines.filter((l) => l.includes("after a provider failure"))).toHaveLength(2);
    expect(lines.join("\n")).toContain("error_code=PROVIDER_UNAVAILABLE");
    provider.mode = "answer";
    expect(await manager.getSecret("A")).toBe("new-a");
    expect(await manager.getSecret("A")).toBe("new-a");
    expect(provider.calls.get).toBe(3);
  });

  it("logs a background refresh failure once, at warn, with its code and no value", async () => {
    const { provider, manager, lines } = await warm();
    provider.mode = "hang";
    const reads = [watch(manager.getSecret("A")), watch(manager.getSecret("A"))];
    await vi.advanceTimersByTimeAsync(WAIT);
    expect(reads.map((r) => r.value)).toEqual(["old-a", "old-a"]);
    provider.release(true);
    await vi.advanceTimersByTimeAsync(0);
    const background = lines.filter((l) => l.includes("background refresh failed"));
    expect(background).toHaveLength(1);
    expect(background[0]).toContain("WARN");
    expect(background[0]).toContain("error_code=PROVIDER_UNAVAILABLE");
    expect(background[0]).toContain("name=A");
    for (const line of lines) expect(line).not.toMatch(/old-a|new-a/);
  });

  it("a background refresh that times out is logged and never becomes an unhandled rejection", async () => {
    const { provider, manager, lines } = await warm();
    provider.mode = "hang";
    const read = watch(manager.getSecret("A"));
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(read.value).toBe("old-a");
    expect(
      lines.filter((l) => l.includes("background refresh failed") && l.includes("error_code=TIMEOUT")),
    ).toHaveLength(1);
    expect(provider.signals.at(-1)?.aborted).toBe(true);
    provider.release();
  });

  it("never serves a value past its stale window, even to a read that started inside it", async () => {
    const { provider, manager } = await warm();
    // t = TTL + 500; the window closes at TTL + STALE: move to 100 ms before that.
    await vi.advanceTimersByTimeAsync(STALE - 600);
    provider.mode = "hang";
    const read = watch(manager.getSecret("A"));
    await vi.advanceTimersByTimeAsync(WAIT);
    expect(read.done).toBe(false); // the wait ended after the window closed: no stale value
    await vi.advanceTimersByTimeAsync(TIMEOUT - WAIT);
    expect(read.error).toBeInstanceOf(SecretTimeoutError);
    provider.release();

    // Same, but the refresh answers after the window closed: the reader gets the backend's value.
    provider.mode = "hang";
    const ctx = await warm();
    await vi.advanceTimersByTimeAsync(STALE - 600);
    ctx.provider.mode = "hang";
    const late = watch(ctx.manager.getSecret("A"));
    await vi.advanceTimersByTimeAsync(WAIT);
    expect(late.done).toBe(false);
    ctx.provider.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(late.value).toBe("new-a");

    // A refresh that fails after the window closed: the error, not the stale value.
    const failing = await warm();
    await vi.advanceTimersByTimeAsync(STALE - 600);
    failing.provider.mode = "hang";
    const failed = watch(failing.manager.getSecret("A"));
    await vi.advanceTimersByTimeAsync(150);
    failing.provider.release(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(failed.error).toBeInstanceOf(ProviderUnavailableError);
  });

  it("fails once the stale window is over", async () => {
    const { provider, manager } = await warm();
    await vi.advanceTimersByTimeAsync(STALE);
    provider.mode = "fail";
    await expect(manager.getSecret("A")).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it("allowStale: false waits for the backend and reports its failure", async () => {
    const { provider, manager } = await warm();
    provider.mode = "hang";
    const read = watch(manager.getSecretRecord("A", { allowStale: false }));
    await vi.advanceTimersByTimeAsync(WAIT);
    expect(read.done).toBe(false);
    await vi.advanceTimersByTimeAsync(TIMEOUT - WAIT);
    expect(read.error).toBeInstanceOf(SecretTimeoutError);
    provider.mode = "fail";
    await expect(manager.getSecretRecord("A", { allowStale: false })).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    provider.release();
  });

  it("a write during the wait withdraws the stale value", async () => {
    const { provider, manager } = await warm();
    provider.mode = "hang";
    const read = watch(manager.getSecret("A"));
    await vi.advanceTimersByTimeAsync(0);
    expect(provider.calls.get).toBe(1);
    provider.mode = "answer";
    await manager.setSecret("A", "written");
    await vi.advanceTimersByTimeAsync(WAIT);
    expect(read.done).toBe(false);
    provider.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(read.value).toBe("written");
    expect(await manager.getSecret("A")).toBe("written");
  });

  it("staleWaitMs 0 serves the stale value at once and refreshes in the background", async () => {
    const { provider, manager } = await warm(0);
    provider.mode = "hang";
    const read = watch(manager.getSecret("A"));
    await vi.advanceTimersByTimeAsync(0);
    expect(read.value).toBe("old-a");
    provider.mode = "answer";
    provider.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(await manager.getSecret("A")).toBe("new-a");
    expect(provider.calls.get).toBe(1);
  });
});

describe("batch reads follow the single-read rules per name", () => {
  async function warm() {
    const ctx = setup();
    ctx.provider.values.set("A", "old-a");
    ctx.provider.values.set("B", "old-b");
    ctx.provider.values.set("C", "c");
    await ctx.manager.getSecrets(["A", "B"]);
    await vi.advanceTimersByTimeAsync(TTL + 500);
    return ctx;
  }

  it("serves stale names when the batch read fails and fails for a name with nothing cached", async () => {
    const { provider, manager } = await warm();
    provider.mode = "fail";
    expect(Object.fromEntries(await manager.getSecrets(["A", "B"]))).toEqual({ A: "old-a", B: "old-b" });
    await expect(manager.getSecrets(["A", "B", "C"])).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(provider.calls.getMany).toBe(3);
  });

  it("serves stale names after staleWaitMs while the batch read hangs; an uncached name waits for the deadline", async () => {
    const { provider, manager } = await warm();
    provider.mode = "hang";
    const stale = watch(manager.getSecrets(["A", "B"]));
    const mixed = watch(manager.getSecrets(["A", "C"]));
    await vi.advanceTimersByTimeAsync(WAIT);
    expect(stale.value && Object.fromEntries(stale.value as Map<string, string>)).toEqual({
      A: "old-a",
      B: "old-b",
    });
    expect(mixed.done).toBe(false);
    // A single read of B joins the batch in flight instead of asking again.
    const single = watch(manager.getSecret("B"));
    await vi.advanceTimersByTimeAsync(WAIT);
    expect(single.value).toBe("old-b");
    await vi.advanceTimersByTimeAsync(TIMEOUT - 2 * WAIT);
    expect(mixed.error).toBeInstanceOf(SecretTimeoutError);
    // One batch read for the warm-up, one for A and B; C alone is one single read (A joined the batch).
    expect(provider.calls).toMatchObject({ getMany: 2, get: 1 });
    provider.release();
  });

  it("mixes fresh cached, stale and uncached names, and stores what the batch read returns", async () => {
    const { provider, manager } = await warm();
    await manager.getSecret("C"); // C fresh; A and B stale
    provider.values.set("A", "new-a");
    expect(Object.fromEntries(await manager.getSecrets(["A", "B", "C"]))).toEqual({
      A: "new-a",
      B: "old-b",
      C: "c",
    });
    expect(provider.calls.getMany).toBe(2);
    expect(provider.calls.get).toBe(1);
    provider.mode = "fail";
    expect(await manager.getSecret("A")).toBe("new-a"); // fresh from the batch read
  });

  it("applies the same rules through single reads on a provider without batch reads", async () => {
    const provider = new MemoryProvider({ methods: { getMany: false } });
    const { manager } = setup({ provider });
    await manager.setSecret("A", "old-a");
    await manager.setSecret("C", "c");
    await manager.getSecrets(["A"]);
    await vi.advanceTimersByTimeAsync(TTL + 500);
    provider.failWith = new Error("down");
    expect(Object.fromEntries(await manager.getSecrets(["A"]))).toEqual({ A: "old-a" });
    await expect(manager.getSecrets(["A", "C"])).rejects.toThrow(/down/);
  });
});

describe("value checks before writes", () => {
  it("refuses lone surrogates without sending anything", async () => {
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider });
    for (const bad of ["\uD800", `${VALUE}\uDC00`, "a\uDBFFb", "\uDC00\uD800"]) {
      const error = await manager.setSecret("API_KEY", bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidSecretValueError);
      expect((error as Error).message).toContain("'API_KEY'");
      expect((error as Error).message).toContain("surrogate");
      expect((error as Error).message).not.toContain(VALUE);
    }
    expect(provider.calls.set).toBe(0);
    await manager.setSecret("EMOJI", "key 😀 ok");
    expect(await manager.getSecret("EMOJI")).toBe("key 😀 ok");
  });

  it("refuses a value over the provider's maxValueBytes, counting UTF-8 bytes, and accepts the exact limit", async () => {
    const provider = Object.assign(new MemoryProvider(), { maxValueBytes: 12 });
    const manager = new SecretManager({ provider });
    await manager.setSecret("A", "€€€€"); // 4 × 3 bytes = 12
    await manager.setSecret("A", "123456789012");
    const error = await manager.setSecret("A", "€€€€a").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSecretValueError);
    expect((error as Error).message).toBe(
      "Invalid value for secret 'A': the value is 13 bytes of UTF-8, over the 12-byte limit of secret provider 'memory'",
    );
    await expect(manager.setSecret("A", "😀😀😀a")).rejects.toBeInstanceOf(InvalidSecretValueError);
    expect(provider.calls.set).toBe(2);
  });

  it("limits values to 1 MiB when the provider declares nothing", async () => {
    const provider = new MemoryProvider();
    const manager = new SecretManager({ provider });
    await manager.setSecret("BIG", "x".repeat(1_048_576));
    await expect(manager.setSecret("BIG", "x".repeat(1_048_577))).rejects.toThrow(
      "the value is 1048577 bytes of UTF-8, over the 1048576-byte limit",
    );
    await expect(manager.setSecret("BIG", "é".repeat(524_289))).rejects.toBeInstanceOf(
      InvalidSecretValueError,
    );
    expect(provider.calls.set).toBe(1);
  });

  it("rejects a provider that declares a nonsensical maxValueBytes", () => {
    for (const maxValueBytes of [0, -1, 1.5, Number.NaN, "1"]) {
      const provider = Object.assign(new MemoryProvider(), { maxValueBytes }) as unknown as SecretProvider;
      expect(() => new SecretManager({ provider })).toThrow(ProviderInvalidError);
    }
  });
});
