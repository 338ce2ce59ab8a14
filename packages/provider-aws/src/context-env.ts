/** The client settings (endpoint, credentials, profile) taken from an environment given to the factory instead of the process's own. */
import type { SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import { type Env, SecretConfigError } from "@org/secrets-core/provider";
import { PROVIDER_NAME } from "./names.js";
import { ENDPOINT_ENV } from "./settings.js";

/**
 * The AWS variables the provider takes from the environment it is given
 * (`createProvider({ env })`) and passes to the client itself. Everything else
 * the AWS SDK reads — AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
 * AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME,
 * AWS_CONTAINER_CREDENTIALS_*, AWS_EC2_METADATA_*, AWS_MAX_ATTEMPTS,
 * AWS_RETRY_MODE, AWS_USE_FIPS_ENDPOINT… — it reads from the process only.
 */
export const AWS_CONTEXT_ENV = Object.freeze([
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  ...ENDPOINT_ENV,
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
] as const);

/** The client settings that come from the given environment (the region is parsed with the rest of the configuration). */
export type ContextClientConfig = Pick<SecretsManagerClientConfig, "endpoint" | "credentials" | "profile"> & {
  /** Set when the endpoint must not come from the process or the profile's config file. */
  ignoreConfiguredEndpointUrls?: boolean;
};

/**
 * What the client needs from an environment that is not the process's own:
 * endpoint, static credentials and profile. With the process environment
 * itself, nothing: the SDK's default chains read it, as they always do.
 *
 * - Endpoint: `AWS_ENDPOINT_URL_SECRETS_MANAGER`, else `AWS_ENDPOINT_URL`, unless
 *   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`. When the given environment names
 *   none (or ignores them), endpoints configured in the process are ignored too.
 * - Credentials: `AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY` (and
 *   `AWS_SESSION_TOKEN`) are used as they are; one without the other is a
 *   `SecretConfigError`. Without keys, `AWS_PROFILE` picks the profile of the
 *   SDK's default chain; without either, the default chain runs unchanged
 *   (the process's keys, profiles, web identity, container and instance roles).
 */
export function contextClientConfig(env: Env): ContextClientConfig {
  if (env === process.env) return {};
  const value = (name: string): string => (env[name] ?? "").trim();
  const config: ContextClientConfig = {};

  const ignore = value("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").toLowerCase() === "true";
  const endpoint = ignore ? "" : ENDPOINT_ENV.map(value).find((url) => url !== "");
  if (endpoint) config.endpoint = endpoint;
  else config.ignoreConfiguredEndpointUrls = true;

  const accessKeyId = value("AWS_ACCESS_KEY_ID");
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? "";
  if (accessKeyId !== "" || secretAccessKey !== "") {
    const missing =
      accessKeyId === "" ? "AWS_ACCESS_KEY_ID" : secretAccessKey === "" ? "AWS_SECRET_ACCESS_KEY" : "";
    if (missing !== "")
      throw new SecretConfigError(
        `${missing} is not set, but ${missing === "AWS_ACCESS_KEY_ID" ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"} is: set both, or neither to use a profile or role`,
        { field: missing, provider: PROVIDER_NAME },
      );
    const sessionToken = value("AWS_SESSION_TOKEN");
    // A function, not an object: the keys stay out of anything that prints the client's configuration.
    config.credentials = async () => ({
      accessKeyId,
      secretAccessKey,
      ...(sessionToken === "" ? {} : { sessionToken }),
    });
  } else if (value("AWS_PROFILE") !== "") {
    config.profile = value("AWS_PROFILE");
  }
  return config;
}
