import { describe, expect, it } from "vitest";
import { runFixture } from "./support/inner-vitest.js";

const MODES = ["provider", "manager, cache off", "manager, cache on"];

describe("the suite catches broken providers", () => {
  it("fails each deliberately broken provider on the test that covers its bug, and passes the correct one", async () => {
    const outcomes = await runFixture("test/fixtures/broken-providers.conformance.ts");
    const failed = (provider: string) => outcomes.get(provider)?.failed ?? [];
    const inEveryMode = (test: string) => MODES.map((mode) => `through the ${mode} > ${test}`);

    expect([...outcomes.keys()].sort()).toEqual(
      [
        "batch-returns-missing",
        "correct",
        "declares-batch-read",
        "delete-always-true",
        "echoes-values",
        "forgets-metadata",
        "logs-values",
        "racy-check-and-set",
        "throws-when-missing",
        "trims-values",
        "hides-request",
        "aggregates-attempts",
        "encodes-body",
        "ignores-signal",
        "plain-object-index",
        "ifversion-creates",
        "racy-if-version",
        "drops-nul",
        "strips-controls",
        "cuts-at-64-kib",
        "lists-twice",
        "prints-token",
        "error-names-token",
      ].sort(),
    );
    const correct = outcomes.get("correct");
    expect(correct?.failed).toEqual([]);
    expect(correct?.passed.length).toBeGreaterThan(100);

    // Trimming breaks exactly the hostile values with whitespace at either end, in every mode.
    expect([...failed("trims-values")].sort()).toEqual(
      [
        "a trailing newline",
        "a PEM block",
        "leading spaces",
        "trailing spaces",
        "tabs at both ends",
        "only spaces",
        "a leading byte order mark",
        "no-break spaces at both ends",
      ]
        .flatMap((label) => inEveryMode(`hostile values round-trip byte-for-byte > ${label}`))
        .sort(),
    );
    expect(failed("throws-when-missing")).toEqual(
      expect.arrayContaining([
        ...inEveryMode("get of a missing name resolves undefined, not an error"),
        ...inEveryMode("delete returns true, then false; get afterwards resolves undefined"),
      ]),
    );
    expect(failed("delete-always-true")).toEqual(
      inEveryMode("delete returns true, then false; get afterwards resolves undefined"),
    );
    expect(failed("declares-batch-read")).toEqual([
      "shape > announces capabilities as an object of booleans; batch reads and listing by having the methods",
    ]);
    expect(failed("batch-returns-missing")).toEqual(
      inEveryMode(
        "capability: batchRead > getMany with present and missing names returns exactly the present ones",
      ),
    );
    expect(failed("racy-check-and-set")).toEqual(
      inEveryMode("capability: checkAndSet > 8 concurrent ifAbsent creates of one name: exactly one wins"),
    );
    expect(failed("logs-values")).toEqual([
      "canary > a secret value appears in no log line or error message, even at debug level",
    ]);
    // The value is in the cause of a conflict: both the echo group and the canary's own conflict see it.
    expect(failed("echoes-values")).toEqual([
      "errors echo no value > errors provoked around a canary value carry it nowhere: message, stack, JSON, inspect, cause chain",
      "canary > a secret value appears in no log line or error message, even at debug level",
    ]);
    expect(failed("forgets-metadata")).toEqual(
      inEveryMode(
        "capability: metadata > metadata written with a value comes back, with updatedAt as a Date",
      ),
    );

    const echo =
      "errors echo no value > errors provoked around a canary value carry it nowhere: message, stack, JSON, inspect, cause chain";
    // A hidden field and an AggregateError's errors are looked into; an encoded copy counts as a copy.
    expect(failed("hides-request")).toEqual([echo]);
    expect(failed("aggregates-attempts")).toEqual([echo]);
    expect(failed("encodes-body")).toEqual(expect.arrayContaining([echo]));
    expect(failed("ignores-signal")).toEqual([
      "deadlines > a write or delete whose signal has already fired rejects and changes nothing; reads settle",
    ]);
    expect(failed("plain-object-index")).toEqual([
      "through the provider > names that every plain object has as keys read as missing, or as a stored string value",
      "through the provider > capability: batchRead > getMany of names that every plain object has as keys answers only stored string values",
    ]);
    expect(failed("ifversion-creates")).toEqual(
      inEveryMode(
        "capability: checkAndSet > ifVersion on a secret that does not exist throws SecretConflictError and creates nothing",
      ),
    );
    expect(failed("racy-if-version")).toEqual([
      "through the provider > capability: checkAndSet > 4 concurrent ifVersion writes over the same version: exactly one wins",
    ]);
    expect(failed("drops-nul")).toEqual(
      inEveryMode(
        "hostile values round-trip byte-for-byte > a NUL character round-trips, or is refused with a SecretError and not stored",
      ),
    );
    expect([...failed("strips-controls")].sort()).toEqual(
      ["an escape sequence", "control characters"]
        .flatMap((label) => inEveryMode(`hostile values round-trip byte-for-byte > ${label}`))
        .sort(),
    );
    expect(failed("cuts-at-64-kib")).toEqual([
      "through the provider > hostile values round-trip byte-for-byte > a value of maxValueBytes (at most 1 MiB) round-trips whole, or is refused with a SecretError, never cut",
    ]);
    expect(failed("lists-twice")).toEqual(
      inEveryMode("capability: list > written names appear in list() and deleted ones disappear"),
    );
    // Given what must never show, the suite looks for it in the printed provider, in errors and in logs.
    expect(failed("prints-token")).toEqual([
      "shape > printing the provider shows nothing sensitive: inspect, JSON, String",
    ]);
    expect(failed("error-names-token")).toEqual([
      echo,
      "canary > a secret value appears in no log line or error message, even at debug level",
    ]);
  }, 120_000);
});
