import { describe, expect, it } from "vitest";
import { clearRedactions, parseCoreConfig, parseLogLevel, registerSecretValue } from "../src/index.js";
import { describeConfigValue } from "../src/provider.js";

describe("configuration errors never echo a value whole", () => {
  it("shows short enum-like values, and only the length of anything else", () => {
    expect(describeConfigValue("LOG_LEVEL", "verbose")).toBe('"verbose"');
    expect(describeConfigValue("LOG_LEVEL", "x".repeat(300))).toBe("(a 300-character value)");
    expect(describeConfigValue("LOG_LEVEL", "has spaces in it")).toBe("(a 16-character value)");
    expect(describeConfigValue("VAULT_TOKEN", "hvs.short")).toBe("(a 9-character value)");
    expect(describeConfigValue("AWS_SECRET_ACCESS_KEY", "abc")).toBe("(a 3-character value)");
    expect(describeConfigValue("MY_PASSWORD", "x")).toBe("(a 1-character value)");
    expect(describeConfigValue("SECRET_PROVIDER", "vault")).toBe('"vault"');
    expect(describeConfigValue("LOG_LEVEL", "")).toBe("(an empty value)");
    expect(describeConfigValue("LOG_LEVEL", undefined)).toBe("(unset)");
  });

  it("never shows the userinfo of a URL", () => {
    const shown = describeConfigValue("VAULT_URL", "https://admin:hunter2@vault.example:8200");
    expect(shown).not.toContain("hunter2");
    expect(shown).not.toContain("admin");
    expect(shown).toBe('"https://***@vault.example:8200"');
  });

  it("does not show a remembered secret pasted into a harmless variable", () => {
    registerSecretValue("pasted-secret-value-1");
    try {
      expect(describeConfigValue("LOG_FORMAT", "pasted-secret-value-1")).toBe("(a 21-character value)");
    } finally {
      clearRedactions();
    }
  });

  it("names the variable in LOG_LEVEL, LOG_FORMAT and cache TTL errors", () => {
    const long = `oops-${"z".repeat(60)}`;
    const { errors } = parseCoreConfig({
      LOG_LEVEL: long,
      LOG_FORMAT: long,
      SECRET_CACHE_TTL: long,
      SECRET_CACHE_STALE_IF_ERROR: "ten",
    });
    const messages = errors.map((e) => e.message);
    expect(messages).toEqual([
      "Invalid SECRET_CACHE_TTL (a 65-character value): use a number of seconds, 0 or more",
      'Invalid SECRET_CACHE_STALE_IF_ERROR "ten": use a number of seconds, 0 or more',
      "Invalid LOG_LEVEL (a 65-character value): use debug, info, warn, error or silent",
      "Invalid LOG_FORMAT (a 65-character value): use text or json",
    ]);
    for (const message of messages) expect(message).not.toContain("zzzzzzzz");
    expect(() => parseLogLevel("loud")).toThrow('Invalid LOG_LEVEL "loud"');
  });
});
