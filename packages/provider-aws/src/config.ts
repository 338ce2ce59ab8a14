/**
 * The provider's configuration, read once where it enters: from the
 * environment (`parseAwsConfig`) or from options given in code
 * (`parseAwsOptions`), both into `{ config, warnings, errors }`.
 */
import type { Env, ParsedConfig } from "@org/secrets-core/provider";
import {
  checkDocumentName,
  Problems,
  regionProblem,
  validateEndpoints,
  validateKmsKeyId,
  validateLayout,
  validatePrefix,
  validateRecoveryWindow,
  validateRegion,
  validateRequestTimeout,
} from "./config-rules.js";
import { parseTagText, validateTags } from "./config-tags.js";
import {
  AWS_PROVIDER_ENV,
  type AwsConfigOptions,
  type AwsProviderConfig,
  DEFAULT_RECOVERY_WINDOW_DAYS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from "./settings.js";

/**
 * Read the provider's configuration from the environment, once, where it
 * enters. Every problem names its variable. Region: `AWS_REGION`, else
 * `AWS_DEFAULT_REGION` (as the AWS CLI does), else left to the SDK.
 */
export function parseAwsConfig(env: Env = process.env): ParsedConfig<AwsProviderConfig> {
  const problems = new Problems();
  const read = (name: string): string => env[name] ?? "";

  const awsRegion = read("AWS_REGION").trim();
  const defaultRegion = read("AWS_DEFAULT_REGION").trim();
  let region: string | undefined;
  if (awsRegion !== "") {
    region = validateRegion(awsRegion, "AWS_REGION", problems);
    if (region !== undefined && defaultRegion !== "" && defaultRegion !== awsRegion)
      problems.warnings.push(
        regionProblem(defaultRegion) === undefined
          ? `AWS_REGION=${region} is used; AWS_DEFAULT_REGION=${defaultRegion} is ignored`
          : `AWS_REGION=${region} is used; AWS_DEFAULT_REGION is ignored`,
      );
  } else if (defaultRegion !== "") {
    region = validateRegion(defaultRegion, "AWS_DEFAULT_REGION", problems);
  }

  const tagText = parseTagText(read(AWS_PROVIDER_ENV.tags), AWS_PROVIDER_ENV.tags, problems);
  const config: AwsProviderConfig = {
    region,
    prefix: validatePrefix(read(AWS_PROVIDER_ENV.prefix), AWS_PROVIDER_ENV.prefix, problems),
    layout: validateLayout(read(AWS_PROVIDER_ENV.layout), AWS_PROVIDER_ENV.layout, problems),
    kmsKeyId: validateKmsKeyId(read(AWS_PROVIDER_ENV.kmsKeyId), AWS_PROVIDER_ENV.kmsKeyId, problems),
    tags: tagText ? validateTags(tagText, AWS_PROVIDER_ENV.tags, problems) : Object.create(null),
    recoveryWindowDays: validateRecoveryWindow(
      read(AWS_PROVIDER_ENV.recoveryWindowDays),
      AWS_PROVIDER_ENV.recoveryWindowDays,
      problems,
    ),
    requestTimeoutMs: validateRequestTimeout(
      read(AWS_PROVIDER_ENV.requestTimeout),
      AWS_PROVIDER_ENV.requestTimeout,
      problems,
      "s",
    ),
  };
  checkDocumentName(config, AWS_PROVIDER_ENV.prefix, problems);
  validateEndpoints(env, problems);

  const known = new Set<string>(Object.values(AWS_PROVIDER_ENV));
  for (const name of Object.keys(env)) {
    if (name.startsWith("SECRET_AWS_") && !known.has(name))
      problems.warnings.push(
        `${name} is not a setting of the aws provider and is ignored (known: ${[...known].join(", ")})`,
      );
  }
  return { config, warnings: problems.warnings, errors: problems.errors };
}

/** Validate options given in code; every problem names its option. */
export function parseAwsOptions(options: AwsConfigOptions): ParsedConfig<AwsProviderConfig> {
  const problems = new Problems();
  const text = (value: unknown, field: string): string => {
    if (value === undefined) return "";
    if (typeof value === "string") return value;
    problems.add(field, `Invalid ${field}: expected a string, got ${value === null ? "null" : typeof value}`);
    return "";
  };
  const regionText = text(options.region, "region");
  let recovery = DEFAULT_RECOVERY_WINDOW_DAYS;
  if (options.recoveryWindowDays !== undefined) {
    if (typeof options.recoveryWindowDays !== "number")
      problems.add("recoveryWindowDays", "Invalid recoveryWindowDays: expected a number of days");
    else recovery = validateRecoveryWindow(options.recoveryWindowDays, "recoveryWindowDays", problems);
  }
  let tags: Record<string, string> = Object.create(null);
  if (options.tags !== undefined) {
    if (typeof options.tags !== "object" || options.tags === null || Array.isArray(options.tags))
      problems.add("tags", "Invalid tags: expected an object of tag keys to string values");
    else tags = validateTags(options.tags, "tags", problems);
  }
  const config: AwsProviderConfig = {
    region: regionText.trim() === "" ? undefined : validateRegion(regionText, "region", problems),
    prefix: validatePrefix(text(options.prefix, "prefix"), "prefix", problems),
    layout: validateLayout(text(options.layout, "layout"), "layout", problems),
    kmsKeyId: validateKmsKeyId(text(options.kmsKeyId, "kmsKeyId"), "kmsKeyId", problems),
    tags,
    recoveryWindowDays: recovery,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  };
  if (options.requestTimeoutMs !== undefined) {
    if (typeof options.requestTimeoutMs !== "number")
      problems.add("requestTimeoutMs", "Invalid requestTimeoutMs: expected a number of milliseconds");
    else
      config.requestTimeoutMs = validateRequestTimeout(
        options.requestTimeoutMs,
        "requestTimeoutMs",
        problems,
        "ms",
      );
  }
  checkDocumentName(config, "prefix", problems);
  return { config, warnings: problems.warnings, errors: problems.errors };
}
