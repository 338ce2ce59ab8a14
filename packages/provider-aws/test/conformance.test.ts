/**
 * The shared provider conformance suite, against moto, for both layouts.
 *
 * The suite expects `get` to resolve `undefined` right after `delete`. With
 * AWS's recovery window a deleted secret is "scheduled for deletion" and `get`
 * reports exactly that (see deletion.test.ts), so the suite runs the provider
 * with `deleteWithoutRecovery`, which the contract's plain delete then means.
 */
import { DeleteSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { runProviderConformance } from "@org/secrets-provider-testkit";
import { afterAll } from "vitest";
import { type AwsSecretsManagerProvider, createAwsProvider, createProvider } from "../src/index.js";
import { REGION, TEST_SECRET_ACCESS_KEY, uniquePrefix } from "./support/aws.js";

const prefix = uniquePrefix("conformance");
const admin = new SecretsManagerClient({ region: REGION });
let documents = 0;

afterAll(() => admin.destroy());

runProviderConformance({
  name: "aws (per-secret layout)",
  create: ({ logger }) => createAwsProvider({ prefix, logger, deleteWithoutRecovery: true }),
  sensitive: [TEST_SECRET_ACCESS_KEY],
});

runProviderConformance({
  name: "aws (per-secret layout, from the environment as SECRET_PROVIDER=aws builds it)",
  create: async ({ logger }) => {
    const provider = await createProvider({
      env: { ...process.env, SECRET_AWS_PREFIX: `${prefix}/from-env` },
      cwd: process.cwd(),
      logger,
    });
    return createAwsProvider({
      prefix: provider.prefix,
      region: provider.region,
      logger,
      deleteWithoutRecovery: true,
    });
  },
  sensitive: [TEST_SECRET_ACCESS_KEY],
});

runProviderConformance({
  name: "aws (document layout)",
  create: ({ logger }) =>
    createAwsProvider({ prefix: `${prefix}/document-${++documents}`, layout: "document", logger }),
  cleanup: async (provider) => {
    const id = (provider as AwsSecretsManagerProvider).prefix;
    await admin
      .send(new DeleteSecretCommand({ SecretId: id, ForceDeleteWithoutRecovery: true }))
      .catch(() => undefined);
  },
  sensitive: [TEST_SECRET_ACCESS_KEY],
});
