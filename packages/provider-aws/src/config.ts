import { type Env, type ParsedConfig, SecretConfigError } from "@org/secrets-core/provider";

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
const MAX_REGION_LENGTH = 50;

export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
export const MIN_RECOVERY_WINDOW_DAYS = 7;
export const MAX_RECOVERY_WINDOW_DAYS = 30;

/** Tag keys under which custom metadata (such as `rotatedAt`) is stored: `secrets:rotatedAt`. */
export const METADATA_TAG_PREFIX = "secrets:";

/** Secrets Manager allows 50 tags a secret; a few are kept free for metadata. */
const MAX_CONFIG_TAGS = 40;
const MAX_SECRET_ID_LENGTH = 512;
/** Room left for `/<NAME>` after the prefix (names are at most 128 characters). */
const MAX_PREFIX_LENGTH = MAX_SECRET_ID_LENGTH - 129;
const SECRET_ID_CHARS = /^[A-Za-z0-9/_+=.@-]+$/;
const REGION = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const LAYOUTS: readonly AwsLayout[] = ["per-secret", "document"];

/** Collects problems; each names the variable or option it is about. */
class Problems {
  readonly errors: SecretConfigError[] = [];
  readonly warnings: string[] = [];
  add(field: string, message: string): void {
    this.errors.push(new SecretConfigError(message, { field, provider: "aws" }));
  }
}

/** What is wrong with a region name, in words that do not repeat it (it may be a pasted secret). */
function regionProblem(region: string): string | undefined {
  if (REGION.test(region) && region.length <= MAX_REGION_LENGTH) return undefined;
  if (region.length > MAX_REGION_LENGTH)
    return `it is ${region.length} characters long (at most ${MAX_REGION_LENGTH})`;
  if (/[A-Z]/.test(region)) return "it has upper-case letters";
  if (/\s/.test(region)) return "it has spaces in it";
  if (/[^a-z0-9-]/.test(region)) return "it has characters other than lower-case letters, digits and hyphens";
  return "it starts or ends with a hyphen, or has two in a row";
}

function validateRegion(raw: string, field: string, problems: Problems): string | undefined {
  const region = raw.trim();
  const problem = regionProblem(region);
  if (problem !== undefined) {
    problems.add(
      field,
      `Invalid ${field}: ${problem}; use an AWS region name such as us-east-1 (lower-case letters, digits and hyphens)`,
    );
    return undefined;
  }
  return region;
}

/**
 * What is wrong with an endpoint URL, without repeating it: a URL may carry
 * credentials (`https://user:password@host`) or a token in its query.
 */
export function endpointProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return "it is not an absolute URL; use http(s)://host[:port]";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return "it must start with https:// (or http:// for a local endpoint)";
  if (url.username !== "" || url.password !== "")
    return "it must not hold a user name or password (credentials come from the AWS credential chain)";
  if (url.search !== "" || url.hash !== "") return "it must not have a query string or fragment";
  return undefined;
}

/** The SDK's endpoint variables, checked where they enter (the SDK reads them from `process.env`). */
function validateEndpoints(env: Env, problems: Problems): void {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").trim().toLowerCase() === "true") return;
  for (const field of ENDPOINT_ENV) {
    const raw = (env[field] ?? "").trim();
    if (raw === "") continue;
    const problem = endpointProblem(raw);
    if (problem !== undefined) problems.add(field, `Invalid ${field}: ${problem}`);
  }
}

/** Seconds (decimals allowed) to milliseconds, for the per-attempt timeout. */
function validateRequestTimeout(
  raw: string | number,
  field: string,
  problems: Problems,
  unit: "s" | "ms",
): number {
  const text = String(raw).trim();
  if (text === "") return DEFAULT_REQUEST_TIMEOUT_MS;
  const n = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  const ms = unit === "s" ? Math.round(n * 1000) : n;
  if (!Number.isFinite(ms) || ms < MIN_REQUEST_TIMEOUT_MS || ms > MAX_REQUEST_TIMEOUT_MS) {
    problems.add(
      field,
      unit === "s"
        ? `Invalid ${field}: use a number of seconds from ${MIN_REQUEST_TIMEOUT_MS / 1000} to ${MAX_REQUEST_TIMEOUT_MS / 1000}, decimals allowed (default ${DEFAULT_REQUEST_TIMEOUT_MS / 1000})`
        : `Invalid ${field}: use a number of milliseconds from ${MIN_REQUEST_TIMEOUT_MS} to ${MAX_REQUEST_TIMEOUT_MS} (default ${DEFAULT_REQUEST_TIMEOUT_MS})`,
    );
    return DEFAULT_REQUEST_TIMEOUT_MS;
  }
  return Math.round(ms);
}

function validatePrefix(raw: string, field: string, problems: Problems): string {
  let prefix = raw.trim();
  if (prefix.endsWith("/")) prefix = prefix.slice(0, -1);
  if (prefix === "") return "";
  if (!SECRET_ID_CHARS.test(prefix)) {
    problems.add(
      field,
      `Invalid ${field} ${JSON.stringify(raw)}: a Secrets Manager name uses only letters, digits and / _ + = . @ -`,
    );
    return "";
  }
  if (prefix.startsWith("/") || prefix.includes("//")) {
    problems.add(field, `Invalid ${field} ${JSON.stringify(raw)}: do not start it with / or repeat /`);
    return "";
  }
  if (prefix.length > MAX_PREFIX_LENGTH) {
    problems.add(field, `Invalid ${field}: at most ${MAX_PREFIX_LENGTH} characters (it is ${prefix.length})`);
    return "";
  }
  return prefix;
}

function validateLayout(raw: string, field: string, problems: Problems): AwsLayout {
  const layout = raw.trim().toLowerCase();
  if (layout === "") return "per-secret";
  if ((LAYOUTS as readonly string[]).includes(layout)) return layout as AwsLayout;
  problems.add(field, `Invalid ${field} ${JSON.stringify(raw)}: use per-secret (the default) or document`);
  return "per-secret";
}

function validateKmsKeyId(raw: string, field: string, problems: Problems): string | undefined {
  const key = raw.trim();
  if (key === "") return undefined;
  if (/\s/.test(key) || key.length > 2048) {
    problems.add(
      field,
      `Invalid ${field}: use a KMS key id, key ARN, alias name (alias/...) or alias ARN, without spaces`,
    );
    return undefined;
  }
  return key;
}

function validateRecoveryWindow(raw: string | number, field: string, problems: Problems): number {
  const text = String(raw).trim();
  if (text === "") return DEFAULT_RECOVERY_WINDOW_DAYS;
  const days = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(days) || days < MIN_RECOVERY_WINDOW_DAYS || days > MAX_RECOVERY_WINDOW_DAYS) {
    problems.add(
      field,
      `Invalid ${field} ${JSON.stringify(String(raw))}: use a whole number of days from ${MIN_RECOVERY_WINDOW_DAYS} to ${MAX_RECOVERY_WINDOW_DAYS} (default ${DEFAULT_RECOVERY_WINDOW_DAYS}); to delete without recovery, delete with the permanent option`,
    );
    return DEFAULT_RECOVERY_WINDOW_DAYS;
  }
  return days;
}

/** Parse `key=value,key2=value2` or a JSON object of strings. */
function parseTagText(raw: string, field: string, problems: Problems): Record<string, string> | undefined {
  const text = raw.trim();
  if (text === "") return {};
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      problems.add(field, `Invalid ${field}: it starts with { but is not valid JSON`);
      return undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      problems.add(
        field,
        `Invalid ${field}: use a JSON object of strings, or key=value pairs separated by commas`,
      );
      return undefined;
    }
    const out: Record<string, string> = Object.create(null);
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== "string") {
        problems.add(field, `Invalid ${field}: the value of tag ${JSON.stringify(key)} must be a string`);
        return undefined;
      }
      out[key] = value;
    }
    return out;
  }
  const out: Record<string, string> = Object.create(null);
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) {
      problems.add(
        field,
        `Invalid ${field}: ${JSON.stringify(part.trim())} is not key=value (separate tags with commas, e.g. team=payments,env=prod)`,
      );
      return undefined;
    }
    const key = part.slice(0, eq).trim();
    if (Object.hasOwn(out, key)) {
      problems.add(field, `Invalid ${field}: tag ${JSON.stringify(key)} is given twice`);
      return undefined;
    }
    out[key] = part.slice(eq + 1).trim();
  }
  return out;
}

function validateTags(
  tags: Readonly<Record<string, unknown>>,
  field: string,
  problems: Problems,
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const entries = Object.entries(tags);
  if (entries.length > MAX_CONFIG_TAGS) {
    problems.add(field, `Invalid ${field}: at most ${MAX_CONFIG_TAGS} tags (${entries.length} given)`);
    return out;
  }
  for (const [key, value] of entries) {
    const shown = JSON.stringify(key);
    if (typeof value !== "string") {
      problems.add(field, `Invalid ${field}: the value of tag ${shown} must be a string`);
      continue;
    }
    if (key.length === 0 || key.length > 128 || !TAG_CHARS.test(key)) {
      problems.add(
        field,
        `Invalid ${field}: tag key ${shown} must be 1–128 letters, digits, spaces or _ . : / = + - @`,
      );
      continue;
    }
    if (key.toLowerCase().startsWith("aws:")) {
      problems.add(field, `Invalid ${field}: tag key ${shown} uses the prefix aws:, which AWS reserves`);
      continue;
    }
    if (key.startsWith(METADATA_TAG_PREFIX)) {
      problems.add(
        field,
        `Invalid ${field}: tag key ${shown} uses the prefix ${METADATA_TAG_PREFIX}, which holds secret metadata`,
      );
      continue;
    }
    if (value.length > 256 || !TAG_CHARS.test(value)) {
      problems.add(
        field,
        `Invalid ${field}: the value of tag ${shown} must be at most 256 letters, digits, spaces or _ . : / = + - @`,
      );
      continue;
    }
    out[key] = value;
  }
  return out;
}

function checkDocumentName(config: AwsProviderConfig, field: string, problems: Problems): void {
  if (config.layout !== "document") return;
  if (config.prefix === "") {
    problems.add(
      field,
      `The document layout needs ${field}: the name of the one secret that holds every value (for example myapp/production)`,
    );
  } else if (/-[A-Za-z0-9]{6}$/.test(config.prefix)) {
    problems.warnings.push(
      `${field}=${config.prefix} ends with a hyphen and six characters, which AWS confuses with the random suffix of a secret ARN; choose another name`,
    );
  }
}

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
