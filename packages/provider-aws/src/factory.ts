/**
 * The factory core calls for `SECRET_PROVIDER=aws`: configuration from the
 * environment, and the region settled before the provider is handed over.
 */
import { type ProviderContext, SecretError } from "@org/secrets-core/provider";
import { parseAwsConfig } from "./config.js";
import { contextClientConfig } from "./context-env.js";
import { PROVIDER_NAME } from "./names.js";
import { type AwsProviderOptions, AwsSecretsManagerProvider } from "./provider.js";
import type { AwsProviderConfig } from "./settings.js";

/**
 * The factory core calls for `SECRET_PROVIDER=aws`, on first use: configuration
 * from the environment (`AWS_REGION`, `SECRET_AWS_*`), warnings to the logger,
 * the first problem thrown as a `SecretConfigError` naming its variable. When
 * neither `AWS_REGION` nor `AWS_DEFAULT_REGION` is set, the SDK is loaded to
 * find the region of the AWS profile, so a missing region fails here with
 * `ProviderNotConfiguredError` rather than on the first request.
 *
 * When `context.env` is not `process.env` itself, the endpoint, region,
 * static credentials and profile come from `context.env` (see
 * `AWS_CONTEXT_ENV` for the list, and what stays with the process).
 */
export async function createProvider(context: ProviderContext): Promise<AwsSecretsManagerProvider> {
  const { config, warnings, errors } = parseAwsConfig(context.env);
  for (const warning of warnings)
    context.logger.warn(`aws provider: ${warning}`, { provider: PROVIDER_NAME });
  if (errors.length > 0) throw errors[0];
  const clientConfig = contextClientConfig(context.env);
  const provider = new AwsSecretsManagerProvider({
    ...fromConfig(config),
    ...(Object.keys(clientConfig).length > 0 ? { clientConfig } : {}),
    logger: context.logger,
  });
  if (config.region === undefined) {
    // No request is sent here (the SDK reads the region from the profile files), but it is still bounded.
    const timeoutMs = (context as { timeoutMs?: number }).timeoutMs;
    try {
      await withinDeadline(provider.connect(), timeoutMs);
    } catch (error) {
      await provider.close();
      throw error;
    }
  }
  return provider;
}

/** `work`, or a `TIMEOUT` error once `timeoutMs` passed (for work that holds no socket to abort). */
async function withinDeadline<T>(work: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs) || timeoutMs <= 0) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SecretError(
            `Secret provider '${PROVIDER_NAME}' did not finish connecting within ${timeoutMs / 1000} s (resolving the AWS region)`,
            { code: "TIMEOUT", provider: PROVIDER_NAME },
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function fromConfig(config: AwsProviderConfig): AwsProviderOptions {
  return {
    region: config.region,
    prefix: config.prefix,
    layout: config.layout,
    kmsKeyId: config.kmsKeyId,
    tags: config.tags,
    recoveryWindowDays: config.recoveryWindowDays,
    requestTimeoutMs: config.requestTimeoutMs,
  };
}
