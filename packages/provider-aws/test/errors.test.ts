import { createServer } from "node:net";
import {
  AccessDeniedError,
  AuthenticationError,
  ProviderError,
  ProviderUnavailableError,
  SecretError,
} from "@org/secrets-core/provider";
import { HostileProxy } from "@org/secrets-test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAwsProvider } from "../src/index.js";
import { motoEndpoint, TEST_SECRET_ACCESS_KEY, uniquePrefix } from "./support/aws.js";

const prefix = uniquePrefix("errors");
const VALUE = "s3cr3t-value-that-must-never-leak";
const proxy = new HostileProxy({ target: motoEndpoint(), flavor: "aws" });
let provider: ReturnType<typeof createAwsProvider>;

beforeAll(async () => {
  await proxy.start();
  provider = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
  await provider.set("EXISTING", VALUE);
});
afterAll(async () => {
  await provider.close();
  await proxy.stop();
});
beforeEach(() => {
  proxy.forward().resetCounts();
});

async function failure(action: Promise<unknown>): Promise<SecretError> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretError);
  const secretError = error as SecretError;
  expect(secretError.provider).toBe("aws");
  expect(secretError.message).not.toContain(VALUE);
  expect(secretError.message).not.toContain(TEST_SECRET_ACCESS_KEY);
  expect(secretError.message).not.toMatch(/\n/);
  expect(secretError.cause).toBeDefined();
  return secretError;
}

describe("errors are mapped by their name, never by HTTP status", () => {
  it("ResourceNotFoundException is 'absent', whatever the status it comes with", async () => {
    proxy.also({ kind: "status", type: "ResourceNotFoundException", status: 400 }, "GetSecretValue");
    expect(await provider.get("EXISTING")).toBeUndefined();
  });

  it("AccessDeniedException → AccessDeniedError naming the secret and the IAM action to allow", async () => {
    proxy.also(
      {
        kind: "status",
        status: 400,
        type: "AccessDeniedException",
        message: "User arn:aws:iam::1:user/x is not authorized",
      },
      "GetSecretValue",
    );
    const error = await failure(provider.get("EXISTING"));
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error.secret).toBe("EXISTING");
    expect(error.message).toBe(
      `Access denied by AWS Secrets Manager to read secret 'EXISTING' (${prefix}/EXISTING): allow secretsmanager:GetSecretValue for this caller on ${prefix}/EXISTING`,
    );

    proxy
      .forward()
      .resetCounts()
      .also({ kind: "status", status: 400, type: "AccessDeniedException" }, "PutSecretValue");
    const write = await failure(provider.set("EXISTING", VALUE));
    expect(write).toBeInstanceOf(AccessDeniedError);
    expect(write.message).toContain("to write secret 'EXISTING'");
    expect(write.message).toContain("allow secretsmanager:PutSecretValue");

    proxy
      .forward()
      .resetCounts()
      .also({ kind: "status", status: 400, type: "AccessDeniedException" }, "ListSecrets");
    const list = await failure(provider.list());
    expect(list).toBeInstanceOf(AccessDeniedError);
    expect(list.message).toBe(
      "Access denied by AWS Secrets Manager to list secrets: allow secretsmanager:ListSecrets for this caller",
    );
  });

  it("ThrottlingException after the SDK's retries → ProviderUnavailableError; every attempt was made", async () => {
    proxy.also(
      { kind: "status", status: 400, type: "ThrottlingException", message: "Rate exceeded" },
      "GetSecretValue",
    );
    const error = await failure(provider.get("EXISTING"));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.code).toBe("PROVIDER_UNAVAILABLE");
    expect(proxy.countRequests().count("GetSecretValue")).toBe(3);
    expect(error.message).toBe(
      `AWS Secrets Manager throttled the request to read secret 'EXISTING' (${prefix}/EXISTING) after 3 attempts: retry later, or lower the request rate`,
    );
  });

  it("a throttled request that succeeds on retry is no error", async () => {
    proxy.also({ kind: "status", status: 400, type: "ThrottlingException" }, "GetSecretValue", { times: 1 });
    expect((await provider.get("EXISTING"))?.value).toBe(VALUE);
    expect(proxy.countRequests().count("GetSecretValue")).toBe(2);
  });

  it("the same status (400) with different names gives different errors", async () => {
    for (const [type, kind] of [
      ["AccessDeniedException", AccessDeniedError],
      ["ThrottlingException", ProviderUnavailableError],
      ["DecryptionFailure", ProviderError],
    ] as const) {
      proxy.forward().resetCounts().also({ kind: "status", type, status: 400 }, "GetSecretValue");
      expect(await failure(provider.get("EXISTING"))).toBeInstanceOf(kind);
    }
  });

  it("DecryptionFailure → ProviderError telling to allow kms:Decrypt", async () => {
    proxy.also(
      { kind: "status", status: 400, type: "DecryptionFailure", message: "KMS failed" },
      "GetSecretValue",
    );
    const error = await failure(provider.get("EXISTING"));
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.message).toBe(
      `AWS Secrets Manager could not decrypt secret 'EXISTING' (${prefix}/EXISTING) with its KMS key: allow kms:Decrypt on that key for this caller, and check the key is enabled`,
    );
  });

  it("EncryptionFailure on create names the KMS key setting", async () => {
    proxy.also({ kind: "status", status: 400, type: "EncryptionFailure" }, "CreateSecret");
    const error = await failure(provider.set("NEW_ONE", VALUE, { ifAbsent: true }));
    expect(error.message).toContain("SECRET_AWS_KMS_KEY_ID");
  });

  it("InvalidParameterException and InvalidRequestException give clear messages, with nothing of what AWS said", async () => {
    proxy.also(
      {
        kind: "status",
        status: 400,
        type: "InvalidParameterException",
        message: `1 validation error: Value '${VALUE}' at 'secretString' failed to satisfy constraint`,
      },
      "PutSecretValue",
    );
    const invalid = await failure(provider.set("EXISTING", VALUE));
    expect(invalid.message).toBe(
      `AWS Secrets Manager rejected a parameter of the request to write secret 'EXISTING' (${prefix}/EXISTING) (InvalidParameterException, HTTP 400)`,
    );

    proxy
      .forward()
      .resetCounts()
      .also(
        { kind: "status", status: 400, type: "InvalidRequestException", message: `bad state for ${VALUE}` },
        "PutSecretValue",
      );
    const refused = await failure(provider.set("EXISTING", VALUE));
    expect(refused.message).toBe(
      `AWS Secrets Manager refused to write secret 'EXISTING' (${prefix}/EXISTING) in its current state (InvalidRequestException, HTTP 400)`,
    );
  });

  it.each([
    ["UnrecognizedClientException", "the access key id is not recognised"],
    ["InvalidSignatureException", "the request signature does not match: check AWS_SECRET_ACCESS_KEY"],
    ["ExpiredTokenException", "the security token has expired"],
  ])("%s → AuthenticationError (AWS Secrets Manager authentication failed)", async (type, reason) => {
    proxy.also(
      { kind: "status", status: 400, type, message: `The security token included in the request is invalid` },
      "GetSecretValue",
    );
    const error = await failure(provider.get("EXISTING"));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(new RegExp(`^AWS Secrets Manager authentication failed: ${reason}`));
    proxy.forward().resetCounts().also({ kind: "status", status: 400, type }, "ListSecrets");
    const check = await failure(provider.check());
    expect(check).toBeInstanceOf(AuthenticationError);
  });

  it("check passes when listing is denied (the credentials were accepted) and says so", async () => {
    // A provider that has sent nothing yet: its check is a real probe, not a recent answer.
    const fresh = createAwsProvider({ prefix, clientConfig: { endpoint: proxy.url } });
    proxy.also({ kind: "status", status: 400, type: "AccessDeniedException" }, "ListSecrets");
    expect((await fresh.check()).details).toMatchObject({ list: "denied" });
    await fresh.close();
  });

  it("check relies on an answer moments old, and probes again after any failure", async () => {
    proxy.forward().resetCounts();
    await provider.get("EXISTING");
    expect((await provider.check()).details).toMatchObject({ confirmedBy: "recent request" });
    expect(proxy.countRequests().count("ListSecrets")).toBe(0);
    proxy.also({ kind: "status", status: 500, type: "InternalServiceError" }, "GetSecretValue");
    await failure(provider.get("EXISTING"));
    proxy.forward();
    const status = await provider.check();
    expect(status.details).not.toHaveProperty("confirmedBy");
    expect(proxy.countRequests().count("ListSecrets")).toBe(1);
  });

  it("check reports an endpoint of another machine over plain HTTP, and none on this machine", async () => {
    expect((await provider.check()).warnings).toBeUndefined();
    // 0.0.0.0 reaches the loopback proxy on Linux, and is not a loopback address as written.
    const endpoint = proxy.url.replace("127.0.0.1", "0.0.0.0");
    const elsewhere = createAwsProvider({ prefix, clientConfig: { endpoint } });
    const status = await elsewhere.check();
    expect(status.warnings).toEqual([
      `AWS Secrets Manager is reached over plain HTTP at ${new URL(endpoint).origin}, so secret values cross the network unencrypted: use https://`,
    ]);
    await elsewhere.close();
  });

  it("an unreachable endpoint → ProviderUnavailableError naming the endpoint", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const offline = createAwsProvider({ prefix, clientConfig: { endpoint } });
    const error = await failure(offline.get("EXISTING"));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.message).toMatch(
      new RegExp(
        `^AWS Secrets Manager at ${endpoint} is unreachable \\(ECONNREFUSED after 3 attempts\\) while trying to read secret 'EXISTING'`,
      ),
    );
    const check = await failure(offline.check());
    expect(check).toBeInstanceOf(ProviderUnavailableError);
    await offline.close();
  });
});
