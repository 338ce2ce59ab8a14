/** The real backends the leak hunt and the fault tests run against, as `HuntBackend`s. */
import { type ProviderContext, type SecretProvider, silentLogger } from "@org/secrets-core";
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
  const env = (url: string): Record<string, string> => {
    // The SDK reads its endpoint and credentials from the process environment, not from
    // the provider context's env: in-process callers get them there too.
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = url;
    return { ...motoEnv(url), AWS_SECRET_ACCESS_KEY: token, AWS_MAX_ATTEMPTS: "2" };
  };
  return {
    name: "aws",
    token,
    maxValueBytes: 65_536,
    async start() {
      server = await startMoto();
      // The SDK's credential chain reads the process environment: give it the dummy
      // credentials (the endpoint still comes from each provider's own settings).
      for (const name of Object.keys(process.env)) if (/^(SECRET_)?AWS_/.test(name)) delete process.env[name];
      const { AWS_ENDPOINT_URL_SECRETS_MANAGER: _endpoint, ...credentials } = env(server.url);
      Object.assign(process.env, credentials);
      return server.url;
    },
    async stop() {
      await server?.stop();
    },
    env: (url) => ({ SECRET_PROVIDER: "aws", ...env(url) }),
    direct: async (url): Promise<SecretProvider> => createAwsProvider(context(env(url))),
  };
}
