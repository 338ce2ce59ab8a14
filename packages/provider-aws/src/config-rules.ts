/**
 * The rules each setting must follow, shared by the environment and options
 * given in code. Every problem names its variable or option, and never
 * repeats a value that could be a pasted secret.
 */
import { type Env, SecretConfigError } from "@org/secrets-core/provider";
import {
  type AwsLayout,
  type AwsProviderConfig,
  DEFAULT_RECOVERY_WINDOW_DAYS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  ENDPOINT_ENV,
  MAX_RECOVERY_WINDOW_DAYS,
  MAX_REQUEST_TIMEOUT_MS,
  MIN_RECOVERY_WINDOW_DAYS,
  MIN_REQUEST_TIMEOUT_MS,
} from "./settings.js";

const MAX_REGION_LENGTH = 50;
const MAX_SECRET_ID_LENGTH = 512;
/** Room left for `/<NAME>` after the prefix (names are at most 128 characters). */
const MAX_PREFIX_LENGTH = MAX_SECRET_ID_LENGTH - 129;
const SECRET_ID_CHARS = /^[A-Za-z0-9/_+=.@-]+$/;
const REGION = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const LAYOUTS: readonly AwsLayout[] = ["per-secret", "document"];

/** Collects problems; each names the variable or option it is about. */
export class Problems {
  readonly errors: SecretConfigError[] = [];
  readonly warnings: string[] = [];
  add(field: string, message: string): void {
    this.errors.push(new SecretConfigError(message, { field, provider: "aws" }));
  }
}

/** What is wrong with a region name, in words that do not repeat it (it may be a pasted secret). */
export function regionProblem(region: string): string | undefined {
  if (REGION.test(region) && region.length <= MAX_REGION_LENGTH) return undefined;
  if (region.length > MAX_REGION_LENGTH)
    return `it is ${region.length} characters long (at most ${MAX_REGION_LENGTH})`;
  if (/[A-Z]/.test(region)) return "it has upper-case letters";
  if (/\s/.test(region)) return "it has spaces in it";
  if (/[^a-z0-9-]/.test(region)) return "it has characters other than lower-case letters, digits and hyphens";
  return "it starts or ends with a hyphen, or has two in a row";
}

export function validateRegion(raw: string, field: string, problems: Problems): string | undefined {
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
export function validateEndpoints(env: Env, problems: Problems): void {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").trim().toLowerCase() === "true") return;
  for (const field of ENDPOINT_ENV) {
    const raw = (env[field] ?? "").trim();
    if (raw === "") continue;
    const problem = endpointProblem(raw);
    if (problem !== undefined) problems.add(field, `Invalid ${field}: ${problem}`);
  }
}

/** Seconds (decimals allowed) to milliseconds, for the per-attempt timeout. */
export function validateRequestTimeout(
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

export function validatePrefix(raw: string, field: string, problems: Problems): string {
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

export function validateLayout(raw: string, field: string, problems: Problems): AwsLayout {
  const layout = raw.trim().toLowerCase();
  if (layout === "") return "per-secret";
  if ((LAYOUTS as readonly string[]).includes(layout)) return layout as AwsLayout;
  problems.add(field, `Invalid ${field} ${JSON.stringify(raw)}: use per-secret (the default) or document`);
  return "per-secret";
}

export function validateKmsKeyId(raw: string, field: string, problems: Problems): string | undefined {
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

export function validateRecoveryWindow(raw: string | number, field: string, problems: Problems): number {
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

export function checkDocumentName(config: AwsProviderConfig, field: string, problems: Problems): void {
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
