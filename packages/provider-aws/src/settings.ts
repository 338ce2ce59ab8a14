/** The provider's settings: their types, the variables that carry them, and their bounds. */
/** How secrets map onto Secrets Manager secrets. */
export type AwsLayout = "per-secret" | "document";

/** The provider's validated settings. */
export interface AwsProviderConfig {
  /** The AWS region; `undefined` leaves it to the SDK (the region of your AWS profile). */
  region: string | undefined;
  /**
   * `per-secret`: the application's namespace, each secret is `<prefix>/<NAME>` ("" = bare `NAME`).
   * `document`: the name of the one secret that holds every value.
   */
  prefix: string;
  layout: AwsLayout;
  /** KMS key (id, ARN or alias) that encrypts secrets this provider creates. */
  kmsKeyId: string | undefined;
  /** Tags put on secrets this provider creates. */
  tags: Readonly<Record<string, string>>;
  /** Days a deleted secret can still be restored (7–30). */
  recoveryWindowDays: number;
  /** The longest one HTTP attempt may take, in milliseconds (the overall deadline is core's). */
  requestTimeoutMs: number;
}

/** The environment variables this provider reads, besides the AWS SDK's own. */
export const AWS_PROVIDER_ENV = Object.freeze({
  prefix: "SECRET_AWS_PREFIX",
  layout: "SECRET_AWS_LAYOUT",
  kmsKeyId: "SECRET_AWS_KMS_KEY_ID",
  tags: "SECRET_AWS_TAGS",
  recoveryWindowDays: "SECRET_AWS_RECOVERY_WINDOW_DAYS",
  requestTimeout: "SECRET_AWS_REQUEST_TIMEOUT",
} as const);

/** The AWS SDK's endpoint variables for Secrets Manager, validated (not interpreted) by the provider. */
export const ENDPOINT_ENV = Object.freeze(["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"] as const);

/** How long one HTTP attempt may take (connect, send, each pause in the answer): 5 s by default. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const MIN_REQUEST_TIMEOUT_MS = 50;
export const MAX_REQUEST_TIMEOUT_MS = 300_000;

export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
export const MIN_RECOVERY_WINDOW_DAYS = 7;
export const MAX_RECOVERY_WINDOW_DAYS = 30;

/** Tag keys under which custom metadata (such as `rotatedAt`) is stored: `secrets:rotatedAt`. */
export const METADATA_TAG_PREFIX = "secrets:";

/** The options a program passes, checked with the same rules as the environment. */
export interface AwsConfigOptions {
  region?: string | undefined;
  prefix?: string | undefined;
  layout?: AwsLayout | undefined;
  kmsKeyId?: string | undefined;
  tags?: Readonly<Record<string, string>> | undefined;
  recoveryWindowDays?: number | undefined;
  /** The longest one HTTP attempt may take, in milliseconds (default 5000); see `SECRET_AWS_REQUEST_TIMEOUT`. */
  requestTimeoutMs?: number | undefined;
}
