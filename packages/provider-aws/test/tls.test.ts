/**
 * Certificate checks, against moto answering HTTPS with a self-signed
 * certificate: the provider's client checks the certificate and refuses it,
 * and when NODE_TLS_REJECT_UNAUTHORIZED=0 turns Node's checks off (the client
 * then connects), health says so.
 */
import { type RunningServer, startMoto } from "@org/secrets-test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type AwsSecretsManagerProvider, createAwsProvider } from "../src/index.js";
import { motoEndpoint, uniquePrefix } from "./support/aws.js";

let moto: RunningServer;
beforeAll(async () => {
  moto = await startMoto({ tls: true });
}, 120_000);
afterAll(async () => {
  await moto?.stop();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("an HTTPS endpoint with a certificate nobody trusts", () => {
  const prefix = uniquePrefix("tls");
  const warning = () =>
    `NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate checks, so whoever answers for ${moto.url} can read secret values sent to AWS Secrets Manager: unset it (trust a private CA with NODE_EXTRA_CA_CERTS instead)`;

  /** `use` with a provider pointed at the HTTPS moto, one attempt per call, closed after. */
  async function withProvider(use: (provider: AwsSecretsManagerProvider) => Promise<void>): Promise<void> {
    const provider = createAwsProvider({ prefix, clientConfig: { endpoint: moto.url, maxAttempts: 1 } });
    try {
      await use(provider);
    } finally {
      await provider.close();
    }
  }

  it("is refused: nothing is read or written through it", () =>
    withProvider(async (provider) => {
      const write = await provider.set("TLS_CANARY", "value-never-sent-tls").catch((e: unknown) => e);
      expect((write as Error).message).toMatch(
        /^TLS verification of AWS Secrets Manager at https:\/\/127\.0\.0\.1:\d+ failed \(DEPTH_ZERO_SELF_SIGNED_CERT\) while trying to .*: trust the CA that signed its certificate with NODE_EXTRA_CA_CERTS, or check the endpoint$/,
      );
      expect((write as Error).message).not.toContain("value-never-sent-tls");
      await expect(provider.check()).rejects.toThrow(/^TLS verification of AWS Secrets Manager at /);
    }));

  it("with NODE_TLS_REJECT_UNAUTHORIZED=0 it connects, and check() warns that nothing is verified", async () => {
    vi.stubEnv("NODE_TLS_REJECT_UNAUTHORIZED", "0");
    await withProvider(async (provider) => {
      // The variable really turns the checks off: the same endpoint now answers.
      await provider.set("TLS_ROUND_TRIP", "value-over-unchecked-tls");
      // The write refused before never reached the server.
      expect(await provider.get("TLS_CANARY")).toBeUndefined();
      expect((await provider.get("TLS_ROUND_TRIP"))?.value).toBe("value-over-unchecked-tls");
      const status = await provider.check();
      expect(status.warnings).toEqual([warning()]);
      expect(JSON.stringify(status)).not.toContain("value-over-unchecked-tls");
    });
  });

  it("an https:// endpoint that speaks plain HTTP is named as such", async () => {
    const plain = motoEndpoint().replace(/^http:/, "https:");
    const provider = createAwsProvider({ prefix, clientConfig: { endpoint: plain, maxAttempts: 1 } });
    try {
      const error = await provider.get("ANY").catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        /^AWS Secrets Manager at https:\/\/127\.0\.0\.1:\d+ did not answer the TLS handshake \(EPROTO\) while trying to read secret 'ANY' .*: if the endpoint speaks plain HTTP, give it as http:\/\/ in AWS_ENDPOINT_URL_SECRETS_MANAGER$/,
      );
    } finally {
      await provider.close();
    }
  });

  it("with the variable at 1, certificates are checked again", async () => {
    vi.stubEnv("NODE_TLS_REJECT_UNAUTHORIZED", "1");
    await withProvider(async (provider) => {
      await expect(provider.check()).rejects.toThrow(/^TLS verification of AWS Secrets Manager at /);
    });
  });
});
