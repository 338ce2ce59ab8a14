/**
 * What the provider does when the endpoint misbehaves, against real moto
 * behind a loopback proxy: it hangs, echoes values back in errors, redirects
 * elsewhere. And what it refuses before anything is sent.
 */
import { inspect } from "node:util";
import {
  InvalidSecretValueError,
  ProviderError,
  ProviderUnavailableError,
  SecretError,
} from "@org/secrets-core/provider";
import { HostileProxy, Recorder } from "@org/secrets-test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AwsRequestFailure, createAwsProvider } from "../src/index.js";
import { motoEndpoint, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, uniquePrefix } from "./support/aws.js";

const prefix = uniquePrefix("faults");
const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });
const recorder = new Recorder();
/** Straight to moto: what is really stored. */
const direct = createAwsProvider({ prefix, clientConfig: { endpoint: motoEndpoint() } });
let provider: ReturnType<typeof createAwsProvider>;
/** For vi.waitFor: its 1 s default is too short for a request or a socket close on a loaded machine. */
const LOADED = { timeout: 15_000 };

beforeAll(async () => {
  await proxy.start();
  await recorder.start();
  provider = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
});
afterAll(async () => {
  await provider.close();
  await direct.close();
  await proxy.stop();
  await recorder.stop();
});
beforeEach(() => {
  proxy.forward().resetCounts();
});

/** Everything an error shows anywhere: message, stack, JSON, and its whole cause chain with every property. */
function everything(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 10; depth++) {
    if (typeof e !== "object" || e === null) {
      parts.push(String(e));
      break;
    }
    const err = e as { message?: unknown; stack?: unknown; cause?: unknown };
    parts.push(String(err.message), String(err.stack));
    try {
      parts.push(JSON.stringify(e));
    } catch {
      // Not serialisable: inspect covered it.
    }
    e = err.cause;
  }
  return parts.join("\n");
}

async function rejection(action: Promise<unknown>): Promise<SecretError> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretError);
  return error as SecretError;
}

function expectClean(error: unknown, ...values: string[]): void {
  const shown = everything(error);
  for (const value of values)
    expect(shown.includes(value), `the error shows ${JSON.stringify(value.slice(0, 40))}`).toBe(false);
  expect(shown).not.toContain(TEST_SECRET_ACCESS_KEY);
  expect(shown).not.toContain("$response");
  expect((error as Error).message).not.toMatch(/\n/);
}

describe("a hung endpoint (accepts, never answers)", () => {
  it("a call with a signal ends when the signal fires, makes no further attempt, and closes its socket", async () => {
    await direct.set("HUNG", "hung-value-1");
    proxy.also({ kind: "hang" }, () => true);
    const controller = new AbortController();
    const call = provider.get("HUNG", { signal: controller.signal });
    await vi.waitFor(() => expect(proxy.hungSockets().hung).toBeGreaterThanOrEqual(1), LOADED);
    controller.abort();
    const error = await rejection(call);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.message).toBe(
      `The request to AWS Secrets Manager to read secret 'HUNG' (${prefix}/HUNG) was cancelled before it was answered`,
    );
    // GetSecretValue and the DescribeSecret beside it: one attempt each, both given up.
    expect(proxy.countRequests().count("GetSecretValue")).toBe(1);
    await vi.waitFor(() => expect(proxy.hungSockets().closedByClient).toBe(proxy.hungSockets().hung), LOADED);
  });

  it("a deadline signal (AbortSignal.timeout) ends with code TIMEOUT; core's own reason is passed on as it is", async () => {
    await direct.set("HUNG", "hung-value-1");
    proxy.also({ kind: "hang" }, () => true);
    const error = await rejection(provider.get("HUNG", { signal: AbortSignal.timeout(300) }));
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toBe(
      `AWS Secrets Manager did not answer before the deadline while trying to read secret 'HUNG' (${prefix}/HUNG)`,
    );
    expect(proxy.countRequests().count("GetSecretValue")).toBe(1);

    const reason = new SecretError("Secret provider 'aws' did not answer within 1 s (get 'HUNG')", {
      code: "TIMEOUT",
      provider: "aws",
    });
    const controller = new AbortController();
    const call = provider.list({ signal: controller.signal });
    await vi.waitFor(() => expect(proxy.countRequests().count("ListSecrets")).toBe(1), LOADED);
    controller.abort(reason);
    expect(await rejection(call)).toBe(reason);
    await vi.waitFor(() => expect(proxy.hungSockets().closedByClient).toBe(proxy.hungSockets().hung), LOADED);
  });

  it("on a kept-alive socket that answered before, the hung request is given up and that socket closed", async () => {
    await direct.set("HUNG", "hung-value-1");
    const keep = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    try {
      proxy.also({ kind: "hang" }, ["GetSecretValue"], { after: 1 });
      expect((await keep.get("HUNG"))?.value).toBe("hung-value-1");
      const controller = new AbortController();
      const call = rejection(keep.get("HUNG", { signal: controller.signal }));
      await vi.waitFor(() => expect(proxy.hungSockets().hung).toBe(1), LOADED);
      // The hung request went over a socket that had carried an answered request before.
      expect(proxy.hungRequests[0]?.requestsOnSocket).toBeGreaterThan(1);
      controller.abort();
      await call;
      await vi.waitFor(() => expect(proxy.hungSockets().closedByClient).toBe(1), LOADED);
    } finally {
      await keep.close();
    }
  });

  it("every operation passes its signal down", async () => {
    await direct.set("HUNG", "hung-value-1");
    proxy.also({ kind: "hang" }, () => true);
    const calls: Array<[string, (signal: AbortSignal) => Promise<unknown>]> = [
      ["get", (signal) => provider.get("HUNG", { signal })],
      ["get previous", (signal) => provider.get("HUNG", { signal, version: "previous" })],
      ["getMany", (signal) => provider.getMany(["HUNG", "OTHER"], { signal })],
      ["set", (signal) => provider.set("HUNG", "next-value-2", { signal })],
      ["set ifAbsent", (signal) => provider.set("NEW_ONE", "next-value-2", { signal, ifAbsent: true })],
      ["set ifVersion", (signal) => provider.set("HUNG", "next-value-2", { signal, ifVersion: "v" })],
      ["delete", (signal) => provider.delete("HUNG", { signal })],
      ["restore", (signal) => provider.restore("HUNG", { signal })],
      ["list", (signal) => provider.list({ signal })],
      ["check", (signal) => provider.check({ signal })],
    ];
    for (const [label, run] of calls) {
      const before = proxy.hungSockets().hung;
      const controller = new AbortController();
      const call = run(controller.signal);
      await vi.waitFor(() => expect(proxy.hungSockets().hung, label).toBeGreaterThan(before), LOADED);
      controller.abort();
      const error = await rejection(call);
      expect(error.code, label).toBe("PROVIDER_UNAVAILABLE");
      expect(error.message, label).toMatch(/was cancelled before it was answered$/);
    }
    await vi.waitFor(() => expect(proxy.hungRequests.filter((r) => !r.closed)).toEqual([]), LOADED);
    expect((await direct.get("HUNG"))?.value).toBe("hung-value-1");
  });

  it("without a signal, the provider's own per-attempt timeout ends the call after its attempts", async () => {
    const bounded = createAwsProvider({
      prefix,
      requestTimeoutMs: 200,
      clientConfig: { endpoint: proxy.url },
    });
    try {
      proxy.also({ kind: "hang" }, ["GetSecretValue", "DescribeSecret"]);
      const error = await rejection(bounded.get("HUNG"));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toBe(
        `AWS Secrets Manager at ${proxy.url} did not answer in time after 3 attempts while trying to read secret 'HUNG' (${prefix}/HUNG): retry later, or raise SECRET_AWS_REQUEST_TIMEOUT`,
      );
      expect(proxy.countRequests().count("GetSecretValue")).toBe(3);
      expect(error.cause).toBeInstanceOf(AwsRequestFailure);
      expect((error.cause as AwsRequestFailure).attempts).toBe(3);
      await vi.waitFor(
        () => expect(proxy.hungSockets().closedByClient).toBe(proxy.hungSockets().hung),
        LOADED,
      );
    } finally {
      await bounded.close();
    }
  });
});

/** Short values that no message would hold by chance, and a long one. */
const SHORT_VALUES = ["§", "¤¤", "«¿»", "⁂⁂⁂⁂", "ǂǂǂǂǂ", "¦¦¦¦¦¦", "‽‽‽‽‽‽‽"];

describe("an endpoint that echoes values back in its errors", () => {
  it.each(SHORT_VALUES)("write of %j: the error holds nothing of the value or the request", async (value) => {
    await direct.set("ECHO_W", "before-echo-write");
    for (const kind of ["json", "type", "html"] as const) {
      proxy
        .forward()
        .resetCounts()
        .also({ kind: "echo", shape: kind }, "PutSecretValue")
        .also({ kind: "echo", shape: kind }, "CreateSecret");
      const error = await rejection(provider.set("ECHO_W", value));
      expectClean(error, value, JSON.stringify(value).slice(1, -1));
      expect(error).toBeInstanceOf(kind === "html" ? ProviderUnavailableError : ProviderError);
      expect(error.message).toBe(
        kind === "json"
          ? `AWS Secrets Manager rejected a parameter of the request to write secret 'ECHO_W' (${prefix}/ECHO_W) (ValidationException, HTTP 400)`
          : kind === "type"
            ? `AWS Secrets Manager failed to write secret 'ECHO_W' (${prefix}/ECHO_W) (HTTP 400)`
            : `AWS Secrets Manager at ${proxy.url} failed (HTTP 502) after 3 attempts while trying to write secret 'ECHO_W' (${prefix}/ECHO_W): retry later`,
      );
      const cause = error.cause as AwsRequestFailure;
      expect(cause).toBeInstanceOf(AwsRequestFailure);
      expect(cause.httpStatusCode).toBe(kind === "html" ? 502 : 400);
      // Not the shape of an AWS request id: not kept.
      expect(cause.requestId).toBeUndefined();
    }
  });

  it.each([...SHORT_VALUES, "x".repeat(60_000) + "TAIL"])(
    "read of a stored value: nothing of it in the error",
    async (value) => {
      await direct.set("ECHO_R", value);
      for (const kind of ["json", "type", "html"] as const) {
        proxy
          .forward()
          .resetCounts()
          .also({ kind: "echo", shape: kind }, "GetSecretValue")
          .also({ kind: "echo", shape: kind }, "BatchGetSecretValue");
        const single = await rejection(provider.get("ECHO_R"));
        expectClean(single, value.slice(0, 200), value.slice(-50));
        const bulk = await rejection(provider.getMany(["ECHO_R"]));
        expectClean(bulk, value.slice(0, 200), value.slice(-50));
      }
    },
  );

  it("per-secret errors of a bulk read that repeat a value (in Message or as the code) are not copied", async () => {
    const value = "bulk-echoed-value-§§";
    await direct.set("BULK_A", "bulk-readable-a");
    await direct.set("BULK_B", "bulk-readable-b");
    for (const code of ["DecryptionFailure", value]) {
      proxy
        .forward()
        .resetCounts()
        .also(
          {
            kind: "rewrite",
            change: (body) => ({
              ...body,
              SecretValues: [],
              Errors: [
                { SecretId: `${prefix}/BULK_A`, ErrorCode: code, Message: `cannot decrypt ${value}` },
                { SecretId: `${prefix}/BULK_B`, ErrorCode: "AccessDeniedException", Message: value },
              ],
            }),
          },
          "BatchGetSecretValue",
        );
      const error = await rejection(provider.getMany(["BULK_A", "BULK_B"]));
      expectClean(error, value, "§§");
      expect(error.message).toMatch(/\(reading secret 'BULK_[AB]' failed too\)$/);
    }
  });

  it("a value of 100 KB is refused before it is sent: no request, nothing of it in the error", async () => {
    const value = `${"v".repeat(100 * 1024)}TAIL-OF-THE-VALUE`;
    proxy.also({ kind: "echo" }, "PutSecretValue").also({ kind: "echo" }, "CreateSecret");
    const error = await rejection(provider.set("ECHO_BIG", value));
    expect(error).toBeInstanceOf(InvalidSecretValueError);
    expectClean(error, "TAIL-OF-THE-VALUE", "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
    expect(proxy.requests).toEqual([]);
  });
});

describe("redirects are never followed", () => {
  it.each([301, 302, 303, 307, 308])(
    "HTTP %i to another server: nothing reaches it, the call fails clearly",
    async (status) => {
      await direct.set("MOVED", "value-before-redirect");
      const value = `redirected-value-${status}`;
      for (const operation of [
        "PutSecretValue",
        "GetSecretValue",
        "DescribeSecret",
        "CreateSecret",
        "ListSecrets",
      ])
        proxy.also({ kind: "redirect", status: status, to: recorder.url }, operation);
      const write = await rejection(provider.set("MOVED", value));
      expect(write).toBeInstanceOf(ProviderError);
      expect(write.message).toMatch(
        new RegExp(
          `^AWS Secrets Manager at ${proxy.url} answered the request to (describe|write) secret 'MOVED' \\(${prefix}/MOVED\\) with a redirect \\(HTTP ${status}\\), which is not followed`,
        ),
      );
      const read = await rejection(provider.get("MOVED"));
      expect(read.message).toContain(`with a redirect (HTTP ${status}), which is not followed`);
      await rejection(provider.list());
      expect(recorder.connections).toBe(0);
      expect(recorder.requests).toEqual([]);
      expectClean(write, value);
      expect((await direct.get("MOVED"))?.value).toBe("value-before-redirect");
      // No attempt was repeated (a redirect is an answer, not a transient failure), and the value was never sent.
      expect({ ...proxy.countRequests().byKey }).toEqual({
        DescribeSecret: 1,
        GetSecretValue: 1,
        ListSecrets: 1,
      });
    },
  );
});

describe("values refused before anything is sent", () => {
  it.each([
    ["65 537 ASCII bytes", "a".repeat(65_537), 65_537],
    ["32 769 two-byte characters", "é".repeat(32_769), 65_538],
    ["16 385 four-byte characters", "😀".repeat(16_385), 65_540],
  ])(
    "%s: InvalidSecretValueError naming the secret and the sizes; the previous value stays",
    async (_label, value, bytes) => {
      await direct.set("BIG", "the-previous-value");
      for (const options of [{}, { ifAbsent: true }, { ifVersion: "x" }]) {
        const error = await rejection(provider.set("BIG", value, options));
        expect(error).toBeInstanceOf(InvalidSecretValueError);
        expect(error.secret).toBe("BIG");
        expect(error.message).toBe(
          `Invalid value for secret 'BIG': AWS Secrets Manager stores at most 65536 bytes a secret (this value has ${bytes} bytes in UTF-8)`,
        );
        expectClean(error, value.slice(0, 64));
      }
      expect(proxy.requests).toEqual([]);
      expect((await direct.get("BIG"))?.value).toBe("the-previous-value");
    },
  );

  it("exactly 65 536 bytes is stored", async () => {
    const value = "é".repeat(32_768);
    await provider.set("BIG", value);
    expect((await direct.get("BIG"))?.value).toBe(value);
  });

  it.each(["\uD800", "abc\uDC00def", "end\uD83D"])(
    "lone surrogates (%j) are refused before the write",
    async (value) => {
      await direct.set("SURROGATE", "surrogate-before");
      const error = await rejection(provider.set("SURROGATE", value));
      expect(error).toBeInstanceOf(InvalidSecretValueError);
      expect(error.message).toBe(
        "Invalid value for secret 'SURROGATE': it is not well-formed text (it holds a lone UTF-16 surrogate), which cannot be stored as UTF-8",
      );
      expect(proxy.requests).toEqual([]);
      expect((await direct.get("SURROGATE"))?.value).toBe("surrogate-before");
      // A proper pair is fine.
      await provider.set("SURROGATE", "pair \uD83D\uDE00");
      expect((await direct.get("SURROGATE"))?.value).toBe("pair 😀");
    },
  );

  it("the document layout refuses the same values before reading or writing the document", async () => {
    const doc = createAwsProvider({
      prefix: `${prefix}-doc`,
      layout: "document",
      clientConfig: { endpoint: proxy.url },
    });
    try {
      for (const value of ["a".repeat(65_537), "x\uD800"])
        expect(await rejection(doc.set("FIELD", value))).toBeInstanceOf(InvalidSecretValueError);
      expect(proxy.requests).toEqual([]);
    } finally {
      await doc.close();
    }
  });

  it("the provider declares the limit for core", () => {
    expect(provider.maxValueBytes).toBe(65_536);
  });
});

describe("the credentials never show", () => {
  it("an authentication failure holds neither the key id nor the secret key", async () => {
    proxy.also(
      {
        kind: "status",
        status: 400,
        type: "UnrecognizedClientException",
        message: `The security token ${TEST_ACCESS_KEY_ID} ${TEST_SECRET_ACCESS_KEY} is invalid`,
      },
      "GetSecretValue",
    );
    const error = await rejection(provider.get("HUNG"));
    expectClean(error, TEST_ACCESS_KEY_ID);
  });
});
