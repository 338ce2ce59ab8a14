/**
 * Answers the provider must not take as they come, against real moto behind
 * a loopback proxy: bodies too large or without end, bodies sent too slowly,
 * values over the provider's limit, pages that never end, and answers that
 * do not match what was asked.
 */
import { ProviderError, ProviderUnavailableError, SecretError } from "@org/secrets-core/provider";
import { HostileProxy } from "@org/secrets-test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { answersFor } from "../src/answer-names.js";
import { createAwsProvider, MAX_ANSWER_BYTES, MAX_PAGES } from "../src/index.js";
import { motoEndpoint, uniquePrefix } from "./support/aws.js";

const prefix = uniquePrefix("answers");
const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });
/** Straight to moto: what is really stored. */
const direct = createAwsProvider({ prefix, clientConfig: { endpoint: motoEndpoint() } });
let provider: ReturnType<typeof createAwsProvider>;
/** For vi.waitFor: its 1 s default is too short for a socket close on a loaded machine. */
const LOADED = { timeout: 15_000 };

beforeAll(async () => {
  await proxy.start();
  provider = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
});
afterAll(async () => {
  await provider.close();
  await direct.close();
  await proxy.stop();
});
beforeEach(() => {
  proxy.forward().resetCounts();
});

async function rejection(action: Promise<unknown>): Promise<SecretError> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretError);
  const message = (error as Error).message;
  expect(message).not.toMatch(/\n/);
  expect(message).not.toMatch(/aaaa|\{"/);
  return error as SecretError;
}

describe("an answer's body is bounded in size", () => {
  /** A GetSecretValue answer whose value runs past the bound. */
  const tooLarge = {
    kind: "drip",
    head: '{"Name":"x","SecretString":"',
    limit: 4 * MAX_ANSWER_BYTES,
    tail: '"}',
  } as const;

  it("a 200 answer over 16 MiB is cut off there with an error naming the limit, and its socket closed", async () => {
    await direct.set("BIG", "small-value");
    proxy.also(tooLarge, "GetSecretValue");
    const error = await rejection(provider.get("BIG"));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      `AWS Secrets Manager at ${proxy.url} sent an answer (HTTP 200) larger than 16 MiB to the request to read secret 'BIG' (${prefix}/BIG); it was cut off there: check the endpoint`,
    );
    expect(proxy.countRequests().count("GetSecretValue")).toBe(1);
    await vi.waitFor(() => expect(proxy.dripped()).toMatchObject({ answers: 1, closedByClient: 1 }), LOADED);
    expect(proxy.dripped().bytes).toBeLessThan(4 * MAX_ANSWER_BYTES);
  });

  it("an endless 500 answer is cut off at the limit on every attempt", async () => {
    proxy.also(
      { kind: "drip", status: 500, head: '{"__type":"InternalServiceError","message":"' },
      () => true,
    );
    const error = await rejection(provider.list());
    expect(error.message).toMatch(
      /sent an answer \(HTTP 500\) larger than 16 MiB after 3 attempts to the request to list/,
    );
    expect(proxy.countRequests().count("ListSecrets")).toBe(3);
    await vi.waitFor(() => expect(proxy.dripped()).toMatchObject({ answers: 3, closedByClient: 3 }), LOADED);
  });

  it("an endless body read under a caller's deadline ends with TIMEOUT and its socket closed", async () => {
    await direct.set("ENDLESS", "small-value");
    proxy.also({ kind: "drip", head: '{"SecretString":"', everyMs: 20 }, "GetSecretValue");
    const error = await rejection(provider.get("ENDLESS", { signal: AbortSignal.timeout(300) }));
    expect(error.code).toBe("TIMEOUT");
    await vi.waitFor(() => expect(proxy.dripped()).toMatchObject({ answers: 1, closedByClient: 1 }), LOADED);
    const sent = proxy.dripped().bytes;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(proxy.dripped().bytes).toBe(sent);
  });
});

/** `use` a provider through the proxy whose attempts each last at most `requestTimeoutMs`; closed after. */
async function withRequestTimeout(
  requestTimeoutMs: number,
  use: (bounded: ReturnType<typeof createAwsProvider>) => Promise<void>,
): Promise<void> {
  const bounded = createAwsProvider({ prefix, requestTimeoutMs, clientConfig: { endpoint: proxy.url } });
  try {
    await use(bounded);
  } finally {
    await bounded.close();
  }
}

describe("the per-attempt timeout covers the whole answer, body included", () => {
  it("a body dripped a byte at a time ends the call without a deadline after its attempts, every socket closed", async () => {
    await direct.set("DRIP", "small-value");
    await withRequestTimeout(300, async (bounded) => {
      proxy.also({ kind: "drip", head: '{"SecretString":"', chunk: "a", everyMs: 50 }, "GetSecretValue");
      const error = await rejection(bounded.get("DRIP"));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toBe(
        `AWS Secrets Manager at ${proxy.url} did not answer in time after 3 attempts while trying to read secret 'DRIP' (${prefix}/DRIP): retry later, or raise SECRET_AWS_REQUEST_TIMEOUT`,
      );
      expect(proxy.countRequests().count("GetSecretValue")).toBe(3);
      await vi.waitFor(
        () => expect(proxy.dripped()).toMatchObject({ answers: 3, closedByClient: 3 }),
        LOADED,
      );
    });
  }, 30_000);

  it("a body that completes within the timeout is read as usual", async () => {
    await direct.set("SLOW", "small-value");
    await withRequestTimeout(2_000, async (bounded) => {
      proxy.also(
        {
          kind: "drip",
          head: `{"Name":"${prefix}/SLOW","SecretString":"`,
          chunk: "b",
          everyMs: 10,
          limit: 5,
          tail: '"}',
        },
        "GetSecretValue",
        { times: 1 },
      );
      expect((await bounded.get("SLOW"))?.value).toBe("bbbbb");
      expect((await bounded.get("SLOW"))?.value).toBe("small-value");
      expect(proxy.dripped()).toMatchObject({ answers: 1, closedByClient: 0 });
    });
  });
});

/** moto refuses a page token it did not give: the proxy takes it off before moto sees the request. */
const untokened = ({ NextToken: _token, ...rest }: Record<string, unknown>) => rest;

describe("pagination ends", () => {
  it("ListSecrets that gives the same page token again: stopped at the second page with an error", async () => {
    await direct.set("PAGED", "paged-value");
    proxy.also(
      { kind: "rewrite", change: (body) => ({ ...body, NextToken: "again" }), request: untokened },
      "ListSecrets",
    );
    const error = await rejection(provider.list());
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      `AWS Secrets Manager at ${proxy.url} gave a page token it had given before (page 2) in its answer to ListSecrets: stopped there`,
    );
    expect(proxy.countRequests().count("ListSecrets")).toBe(2);
  });

  it("BatchGetSecretValue that gives the same page token again: stopped at the second page", async () => {
    await direct.set("PAGED", "paged-value");
    proxy.also(
      { kind: "rewrite", change: (body) => ({ ...body, NextToken: "again" }), request: untokened },
      "BatchGetSecretValue",
    );
    const error = await rejection(provider.getMany(["PAGED", "OTHER"]));
    expect(error.message).toMatch(
      /gave a page token it had given before \(page 2\) in its answer to BatchGetSecretValue/,
    );
    expect(proxy.countRequests().count("BatchGetSecretValue")).toBe(2);
  });

  it("BatchGetSecretValue whose pages never end: at most MAX_PAGES pages", async () => {
    await direct.set("PAGED", "paged-value");
    let page = 0;
    proxy.also(
      {
        kind: "rewrite",
        change: (body) => ({ ...body, SecretValues: [], NextToken: `token-${++page}` }),
        request: untokened,
      },
      "BatchGetSecretValue",
    );
    const error = await rejection(provider.getMany(["PAGED"]));
    expect(error.message).toMatch(
      /had more to give after 40 pages in its answer to BatchGetSecretValue: stopped there$/,
    );
    expect(proxy.countRequests().count("BatchGetSecretValue")).toBe(MAX_PAGES.BatchGetSecretValue);
  });
});

describe("a value over the provider's own limit is refused on reads", () => {
  const oversized = "a".repeat(70_000);
  const swap = (entry: Record<string, unknown>) =>
    entry.Name === `${prefix}/HUGE` ? { ...entry, SecretString: oversized } : entry;

  it("get: refused naming the secret and the limit", async () => {
    await direct.set("HUGE", "small-value");
    proxy.also({ kind: "rewrite", change: (body) => swap(body) }, "GetSecretValue");
    const error = await rejection(provider.get("HUGE"));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      `Secret 'HUGE' (${prefix}/HUGE) as AWS Secrets Manager answered holds 70000 bytes, over the 65536 bytes a secret may hold: it was not read`,
    );
  });

  it("getMany: refused, the others of the batch not returned as if it were absent", async () => {
    await direct.set("HUGE", "small-value");
    await direct.set("FINE", "fine-value");
    proxy.also(
      {
        kind: "rewrite",
        change: (body) => ({
          ...body,
          SecretValues: (body.SecretValues as Array<Record<string, unknown>>).map(swap),
        }),
      },
      "BatchGetSecretValue",
    );
    const error = await rejection(provider.getMany(["FINE", "HUGE"]));
    expect(error.message).toMatch(
      /^Secret 'HUGE' .* holds 70000 bytes, over the 65536 bytes a secret may hold/,
    );
    expect(proxy.countRequests().count("BatchGetSecretValue")).toBe(1);
  });
});

describe("a batch answer that does not match what was asked is refused", () => {
  type Entry = Record<string, unknown>;
  const values = (body: Entry) => (body.SecretValues ?? []) as Entry[];

  it("a name answered twice in one page", async () => {
    await direct.set("TWICE", "first-value");
    await direct.set("ONCE", "other-value");
    proxy.also(
      {
        kind: "rewrite",
        change: (body) => ({
          ...body,
          SecretValues: [
            ...values(body),
            ...values(body)
              .filter((e) => e.Name === `${prefix}/TWICE`)
              .map((e) => ({ ...e, SecretString: "second-value" })),
          ],
        }),
      },
      "BatchGetSecretValue",
    );
    const error = await rejection(provider.getMany(["TWICE", "ONCE"]));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      `AWS Secrets Manager at ${proxy.url} answered the request to read secrets in bulk (BatchGetSecretValue) with secret 'TWICE' (${prefix}/TWICE) twice: the answer was not used`,
    );
    expect(error.message).not.toMatch(/first-value|second-value/);
  });

  it("an empty answer: every name asked is missing from it, which is not absence", async () => {
    await direct.set("TWICE", "first-value");
    proxy.also({ kind: "rewrite", change: () => ({}) }, "BatchGetSecretValue");
    const error = await rejection(provider.getMany(["TWICE", "ABSENT"]));
    expect(error.message).toBe(
      `AWS Secrets Manager at ${proxy.url} answered the request to read secrets in bulk (BatchGetSecretValue) with no entry for secrets 'TWICE' (${prefix}/TWICE), 'ABSENT' (${prefix}/ABSENT): the answer was not used`,
    );
  });

  it("entries without a name: their secrets are missing from the answer", async () => {
    await direct.set("TWICE", "first-value");
    await direct.set("ONCE", "other-value");
    proxy.also(
      {
        kind: "rewrite",
        change: (body) => ({
          ...body,
          SecretValues: values(body).map(({ Name: _name, ARN: _arn, ...rest }) => rest),
        }),
      },
      "BatchGetSecretValue",
    );
    const error = await rejection(provider.getMany(["TWICE", "ONCE", "ABSENT"]));
    expect(error.message).toMatch(
      /with no entry for secrets 'TWICE' .*, 'ONCE' .*: the answer was not used$/,
    );
    expect(error.message).not.toContain("ABSENT");
  });

  it("a name answered again on a later page, and a missing one answered again as an error", async () => {
    await direct.set("TWICE", "first-value");
    proxy.also({ kind: "rewrite", change: (body) => body, request: untokened }, "BatchGetSecretValue");
    proxy.also(
      { kind: "rewrite", change: (body) => ({ ...body, NextToken: "more" }) },
      "BatchGetSecretValue",
      {
        times: 1,
      },
    );
    const error = await rejection(provider.getMany(["TWICE", "ABSENT"]));
    expect(error.message).toMatch(/with secret '(TWICE|ABSENT)' .* twice: the answer was not used$/);
    expect(proxy.countRequests().count("BatchGetSecretValue")).toBe(2);
  });
});

describe("an answer about another secret is refused, never attributed to the name asked", () => {
  type Entry = Record<string, unknown>;

  it("GetSecretValue answered for another secret (moto asked for it instead)", async () => {
    await direct.set("WANTED", "wanted-value");
    await direct.set("OTHER", "other-value");
    proxy.also(
      {
        kind: "rewrite",
        change: (body) => body,
        request: (body) => ({ ...body, SecretId: `${prefix}/OTHER` }),
      },
      "GetSecretValue",
    );
    const error = await rejection(provider.get("WANTED"));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      `AWS Secrets Manager at ${proxy.url} answered the request to read secret 'WANTED' (${prefix}/WANTED) with another secret, or none: the answer was not used`,
    );
    expect(error.message).not.toContain("other-value");
  });

  it("GetSecretValue whose Name is the one asked but whose ARN is another secret's", async () => {
    await direct.set("WANTED", "wanted-value");
    proxy.also(
      {
        kind: "rewrite",
        change: (body) => ({ ...body, ARN: String(body.ARN).replace("/WANTED-", "/OTHER-") }),
      },
      "GetSecretValue",
    );
    const error = await rejection(provider.get("WANTED"));
    expect(error.message).toMatch(/with another secret, or none: the answer was not used$/);
  });

  it("a batch entry whose Name and ARN name different secrets", async () => {
    await direct.set("WANTED", "wanted-value");
    await direct.set("OTHER", "other-value");
    proxy.also(
      {
        kind: "rewrite",
        change: (body) => {
          const entries = (body.SecretValues ?? []) as Entry[];
          const arns = entries.map((e) => e.ARN);
          return {
            ...body,
            SecretValues: entries.map((e, i) => ({ ...e, ARN: arns[(i + 1) % arns.length] })),
          };
        },
      },
      "BatchGetSecretValue",
    );
    const error = await rejection(provider.getMany(["WANTED", "OTHER"]));
    expect(error.message).toMatch(
      /answered the request to read secrets in bulk \(BatchGetSecretValue\) with an entry for secret '(WANTED|OTHER)' .* whose ARN names another secret: the answer was not used$/,
    );
  });

  it("a batch entry for a secret that was not asked for", async () => {
    await direct.set("WANTED", "wanted-value");
    await direct.set("OTHER", "other-value");
    proxy.also(
      {
        kind: "rewrite",
        change: (body) => body,
        request: (body) => ({ ...body, SecretIdList: [`${prefix}/OTHER`] }),
      },
      "BatchGetSecretValue",
    );
    const error = await rejection(provider.getMany(["WANTED", "ABSENT"]));
    expect(error.message).toBe(
      `AWS Secrets Manager at ${proxy.url} answered the request to read secrets in bulk (BatchGetSecretValue) with an entry for a secret that was not asked for: the answer was not used`,
    );
  });
});

describe("answersFor: an answer's Name and ARN against the id asked", () => {
  const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/KEY-AbCdEf";
  it("asked by name: the Name must be it, and the ARN must agree", () => {
    expect(answersFor("app/KEY", "app/KEY", arn)).toBe(true);
    expect(answersFor("app/KEY", "app/KEY", undefined)).toBe(true);
    expect(answersFor("app/KEY", "app/OTHER", undefined)).toBe(false);
    expect(answersFor("app/KEY", "app/KEY", arn.replace("KEY-", "OTHER-"))).toBe(false);
    expect(answersFor("app/KEY", undefined, undefined)).toBe(false);
    expect(answersFor("app/KEY", 7, arn)).toBe(false);
  });
  it("asked by full or partial ARN: the ARN must be it, the Name must agree", () => {
    expect(answersFor(arn, "app/KEY", arn)).toBe(true);
    expect(answersFor(arn.slice(0, -7), "app/KEY", arn)).toBe(true);
    expect(answersFor(arn, "app/KEY", undefined)).toBe(true);
    expect(answersFor(arn, "app/OTHER", undefined)).toBe(false);
    expect(answersFor(arn.slice(0, -7), "app/KEY2", `${arn.slice(0, -7)}2-AbCdEf`)).toBe(false);
  });
});

describe("a write's answer must name the version the write created", () => {
  /** An answer whose VersionId is the request body, value and all. */
  const echoingVersion = () => {
    let sent = "";
    return {
      kind: "rewrite",
      request: (body: Record<string, unknown>) => {
        sent = JSON.stringify(body);
        return body;
      },
      change: (body: Record<string, unknown>) => ({ ...body, VersionId: sent }),
    } as const;
  };

  it("PutSecretValue answered with the request as its VersionId: refused, the value never returned as a version", async () => {
    await direct.set("WRITTEN", "before-value");
    proxy.also(echoingVersion(), "PutSecretValue");
    const error = await rejection(provider.set("WRITTEN", "written-value-§§"));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      `AWS Secrets Manager at ${proxy.url} answered the request to write secret 'WRITTEN' (${prefix}/WRITTEN) with a version id other than the one sent: the answer was not used, and the value may have been written`,
    );
    expect(error.message).not.toContain("written-value");
  });

  it("CreateSecret answered with the request as its VersionId: refused the same way", async () => {
    proxy.also(echoingVersion(), "CreateSecret");
    const error = await rejection(provider.set("CREATED", "created-value-§§", { ifAbsent: true }));
    expect(error.message).toMatch(
      /^AWS Secrets Manager at .* answered the request to create secret 'CREATED' .* with a version id other than the one sent/,
    );
    expect(error.message).not.toContain("created-value");
  });

  it("an answer with the version id sent is the write's version", async () => {
    await direct.set("WRITTEN", "before-value");
    const { version } = await provider.set("WRITTEN", "after-value");
    expect(version).toMatch(/^[0-9a-f-]{36}$/);
    expect((await direct.get("WRITTEN"))?.version).toBe(version);
  });
});
