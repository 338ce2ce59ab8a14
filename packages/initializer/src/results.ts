/**
 * What init, rotate and health report. Plain data, ready for `--json` output:
 * names, actions, versions, dates and messages, never a secret value.
 */

export type InitAction =
  /** It was missing and a generated value was stored. */
  | "created"
  /** `force`: it existed and a new generated value replaced it. */
  | "regenerated"
  /** It exists; left untouched. Found by a read, or by a create-only write that found it there (that write changed nothing). */
  | "exists"
  /** It was read as missing and another process created it before our create-only write; its value was kept. */
  | "adopted"
  /** It was missing and the manifest's `development` value was stored (a provider for local development such as env, outside production). */
  | "development-default"
  /** Required, missing and not generatable: someone has to set it. */
  | "missing"
  /** Optional, missing and not generatable: left alone. */
  | "skipped"
  /** It could not be read, or the write failed; `code` and `message` say why. Nothing was written. */
  | "failed";

export interface InitSecretResult {
  name: string;
  required: boolean;
  action: InitAction;
  message?: string;
  /** With `failed`: the error's stable code (`PROVIDER_ERROR`, `ACCESS_DENIED`, `CONFLICT`, `TIMEOUT`…). */
  code?: string;
}

export interface InitResult {
  /** `false` when a required secret is still missing or a write failed. */
  ok: boolean;
  /** Nothing was written: the actions are what would have happened. */
  dryRun: boolean;
  secrets: InitSecretResult[];
}

export type RotateAction =
  /** A new generated value replaced the current one. */
  | "rotated"
  /** A named secret does not exist yet: run init first. */
  | "missing"
  /** Not rotated: missing (when rotating all) or not generatable; `message` says which. */
  | "skipped"
  /** The write failed or lost to a concurrent change; the stored value was not overwritten. */
  | "failed";

export interface RotateSecretResult {
  name: string;
  action: RotateAction;
  message?: string;
  /** With `failed`: the error's stable code. */
  code?: string;
  /** The version that was current before rotation, when the provider keeps versions. */
  previousVersion?: string;
  /** The version the rotation created, when the provider reports one. */
  version?: string;
}

export interface RotateResult {
  /** `false` when any rotation failed or a named secret is missing. */
  ok: boolean;
  dryRun: boolean;
  secrets: RotateSecretResult[];
}

/** `healthy`: everything there and current. `degraded`: optional secrets missing or rotations overdue. `unhealthy`: the provider failed or a required secret is missing. */
export type HealthStatus = "healthy" | "degraded" | "unhealthy";

export type SecretHealthStatus = "ok" | "missing" | "overdue" | "error";

export interface RotationHealth {
  /** The manifest's period, for example `90d`. */
  period: string;
  /** When it was last rotated (ISO): the `rotatedAt` metadata, else the provider's `updatedAt`. */
  lastRotated?: string;
  /** When the next rotation is due (ISO). */
  dueAt?: string;
  overdue: boolean;
  /** `unknown` when the provider reports no date for it. */
  state: "current" | "overdue" | "unknown";
}

export interface SecretHealth {
  name: string;
  required: boolean;
  present: boolean;
  status: SecretHealthStatus;
  rotation?: RotationHealth;
  /** With `error`: the error's stable code. */
  code?: string;
  message?: string;
}

export interface ProviderHealth {
  name: string;
  ok: boolean;
  latencyMs: number;
  error?: { code: string; message: string };
  /** What works but should be fixed, as the provider's check said (a secrets file other users can read): the report is then `degraded`. */
  warnings?: string[];
}

export interface HealthSummary {
  total: number;
  ok: number;
  missing: number;
  /** Missing secrets that are required. */
  missingRequired: number;
  overdue: number;
  /** Secrets with a rotation period but no known rotation date. */
  rotationUnknown: number;
  /** Secrets that could not be checked because the provider failed. */
  error: number;
}

export interface HealthReport {
  status: HealthStatus;
  /** When the check ran (ISO). */
  checkedAt: string;
  /** Where the manifest came from. */
  manifest: string;
  provider: ProviderHealth;
  secrets: SecretHealth[];
  summary: HealthSummary;
}
