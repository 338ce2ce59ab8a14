/**
 * How secrets map onto Secrets Manager secrets, as one interface: the
 * provider picks a layout once, at construction, and delegates every
 * operation to it (per-secret.ts, document.ts).
 */
import type {
  DeleteOptions,
  ListOptions,
  ProviderCapabilities,
  ProviderStatus,
  ReadOptions,
  SecretRecord,
  WriteOptions,
  WriteResult,
} from "@org/secrets-core/provider";

export interface AwsListOptions extends ListOptions {
  /** Also list secrets in their recovery window (scheduled for deletion). */
  includeScheduledForDeletion?: boolean | undefined;
}

export interface Layout {
  readonly capabilities: Readonly<ProviderCapabilities>;
  /** The Secrets Manager name of a secret. */
  secretId(name: string): string;
  get(name: string, options: ReadOptions): Promise<SecretRecord | undefined>;
  getMany(names: readonly string[], options: ReadOptions): Promise<Map<string, SecretRecord>>;
  /** `value` is already checked against the limits every layout shares. */
  set(name: string, value: string, options: WriteOptions): Promise<WriteResult>;
  delete(name: string, options: DeleteOptions): Promise<boolean>;
  restore(name: string, signal: AbortSignal | undefined): Promise<void>;
  list(options: AwsListOptions): Promise<string[]>;
  /** Reachability and credentials, `details` completed with what the layout learnt. */
  check(
    details: Record<string, string | number | boolean>,
    signal: AbortSignal | undefined,
  ): Promise<ProviderStatus>;
}
