/** The real backends the leak hunt and the fault tests run against, as `HuntBackend`s. */
import { type SecretProvider, silentLogger } from "@org/secrets-core";
import type { ProviderContext } from "@org/secrets-core/provider";
import { createProvider as createAwsProvider } from "@org/secrets-provider-aws";
import { createProvider as createVaultProvider } from "@org/secrets-provider-vault";
import {
  canaryToken,
  motoEnv,
  type OpenBaoServer,
  type RunningServer,
  startMoto,
  startOpenBao,
} from "@org/secrets-test-support";
import type { HuntBackend } from "./hunt.js";

function context(env: Record<string, string>): ProviderContext {
  // `timeoutMs` is the connect deadline of the shared decision on deadlines.
  return { env, cwd: process.cwd(), logger: silentLogger, timeoutMs: 10_000 } as ProviderContext;
}

export function vaultBackend(): HuntBackend {
  const token = canaryToken();
  let server: OpenBaoServer | undefined;
  return {
    name: "vault",
    token,
    maxValueBytes: 1024 * 1024,
    async start() {
      server = await startOpenBao({ token });
      return server.url;
    },
    async stop() {
      await server?.stop();
    },
    env: (url) => ({
      SECRET_PROVIDER: "vault",
      VAULT_URL: url,
      VAULT_TOKEN: token,
      VAULT_MAX_RETRIES: "1",
    }),
    direct: async (url): Promise<SecretProvider> =>
      createVaultProvider(context({ VAULT_URL: url, VAULT_TOKEN: token })),
  };
}

export function awsBackend(): HuntBackend {
  const token = `CANARYAWSKEY${canaryToken().slice(11)}`;
  let server: RunningServer | undefined;
  // The provider takes endpoint, region and keys from the env it is given, not from process.env.
  const env = (url: string): Record<string, string> => ({
    ...motoEnv(url),
    AWS_SECRET_ACCESS_KEY: token,
    AWS_MAX_ATTEMPTS: "2",
  });
  return {
    name: "aws",
    token,
    maxValueBytes: 65_536,
    async start() {
      server = await startMoto();
      return server.url;
    },
    async stop() {
      await server?.stop();
    },
    env: (url) => ({ SECRET_PROVIDER: "aws", ...env(url) }),
    direct: async (url): Promise<SecretProvider> => createAwsProvider(context(env(url))),
  };
}
