import { describe, expect, it } from "vitest";
import { isLoopbackHost, plainHttpWarning, unverifiedTlsWarning } from "../src/provider.js";

const hostOf = (address: string) => new URL(address).hostname;

describe("isLoopbackHost", () => {
  it.each([
    ["http://localhost:8200", true],
    ["http://LOCALHOST:8200", true],
    ["http://127.0.0.1:8200", true],
    ["http://127.1:8200", true],
    ["http://127.255.0.9", true],
    ["http://[::1]:8200", true],
    ["http://[::ffff:127.0.0.1]:8200", true],
    ["http://0.0.0.0:8200", false],
    ["http://128.0.0.1", false],
    ["http://10.0.0.5:8200", false],
    ["http://[::2]", false],
    ["http://[::ffff:10.0.0.1]", false],
    ["http://vault.internal:8200", false],
    ["http://localhost.example.com", false],
    ["http://127.0.0.1.example.com", false],
    ["http://app.localhost", false],
  ])("%s: %s", (address, loopback) => {
    expect(isLoopbackHost(hostOf(address))).toBe(loopback);
  });
});

describe("plainHttpWarning", () => {
  it("names plain HTTP to another machine by its origin alone", () => {
    expect(
      plainHttpWarning("http://user:pass@vault.internal:8200/some/path?token=t#x", "Vault", "tokens"),
    ).toBe(
      "Vault is reached over plain HTTP at http://vault.internal:8200, so tokens cross the network unencrypted: use https://",
    );
  });

  it.each([
    "https://vault.internal:8200",
    "http://127.0.0.1:8200",
    "http://[::1]:8200",
    "http://localhost",
    "not a url",
    "",
  ])("says nothing for %j", (address) => {
    expect(plainHttpWarning(address, "Vault", "the token")).toBeUndefined();
  });
});

describe("unverifiedTlsWarning", () => {
  const off = { NODE_TLS_REJECT_UNAUTHORIZED: "0" };

  it("names an HTTPS address by its origin alone when Node checks no certificate", () => {
    expect(
      unverifiedTlsWarning(
        "https://user:pass@sm.example.com:4443/p?q=1",
        "AWS Secrets Manager",
        "values",
        off,
      ),
    ).toBe(
      "NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate checks, so whoever answers for https://sm.example.com:4443 can read values sent to AWS Secrets Manager: unset it (trust a private CA with NODE_EXTRA_CA_CERTS instead)",
    );
    // On this machine too: a certificate that is not checked proves nothing about who listens.
    expect(unverifiedTlsWarning("https://127.0.0.1:4443", "AWS Secrets Manager", "values", off)).toContain(
      "https://127.0.0.1:4443",
    );
  });

  it.each([
    ["https://sm.example.com", {}],
    ["https://sm.example.com", { NODE_TLS_REJECT_UNAUTHORIZED: "1" }],
    ["https://sm.example.com", { NODE_TLS_REJECT_UNAUTHORIZED: "" }],
    ["http://sm.example.com", off],
    ["not a url", off],
  ])("says nothing for %j with %j", (address, env) => {
    expect(unverifiedTlsWarning(address, "AWS Secrets Manager", "values", env)).toBeUndefined();
  });
});
