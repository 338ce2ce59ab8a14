/**
 * The document layout: every secret is a field of one JSON object in the
 * secret named by the prefix, through core's `DocumentLayout` (which retries
 * a write that lost a race). Deleting a field is at once; restoring restores
 * the whole document.
 */
import {
  type DeleteOptions,
  DocumentLayout,
  type ProviderCapabilities,
  type ProviderStatus,
  type ReadOptions,
  SecretNotFoundError,
  type SecretRecord,
  type WriteOptions,
  type WriteResult,
} from "@org/secrets-core/provider";
import type { AwsClient, Target } from "../client.js";
import { PROVIDER_NAME } from "../names.js";
import { nothingToRestore, restoreSecret } from "../secret-deletion.js";
import { describeSecret, scheduled } from "../secret-reads.js";
import type { SecretWriter } from "../secret-writes.js";
import { AwsDocumentBackend } from "./document-backend.js";
import type { Layout } from "./layout.js";

const CAPABILITIES: Readonly<ProviderCapabilities> = Object.freeze({
  versions: true,
  checkAndSet: true,
  metadata: false,
});
/** Each lost race costs one round trip; leave room for a fleet starting at once. */
const DOCUMENT_RETRIES = 20;

export class DocumentSecretsLayout implements Layout {
  readonly capabilities = CAPABILITIES;
  readonly #aws: AwsClient;
  readonly #target: Target;
  readonly #document: DocumentLayout;

  /** `name`: the Secrets Manager name of the document. */
  constructor(aws: AwsClient, writer: SecretWriter, name: string) {
    this.#aws = aws;
    this.#target = {
      label: name,
      id: name,
      restoreHint: "secrets restore <NAME> (any secret name: the whole document is restored)",
    };
    this.#document = new DocumentLayout(new AwsDocumentBackend(aws, writer, this.#target), {
      provider: PROVIDER_NAME,
      label: `the secrets document '${name}'`,
      retries: DOCUMENT_RETRIES,
    });
  }

  secretId(): string {
    return this.#target.id;
  }

  get(name: string, options: ReadOptions): Promise<SecretRecord | undefined> {
    return this.#naming(name, () => this.#document.get(name, options));
  }

  getMany(names: readonly string[], options: ReadOptions): Promise<Map<string, SecretRecord>> {
    return this.#naming(undefined, () => this.#document.getMany(names, options));
  }

  set(name: string, value: string, options: WriteOptions): Promise<WriteResult> {
    return this.#naming(name, () => this.#document.set(name, value, options));
  }

  delete(name: string, options: DeleteOptions): Promise<boolean> {
    return this.#naming(name, () => this.#document.delete(name, options));
  }

  /**
   * Restore the document (cancel its scheduled deletion). A field deleted from
   * a document that stands is gone for good: restoring it is not reported
   * done, since `name` is still missing.
   */
  async restore(name: string, signal: AbortSignal | undefined): Promise<void> {
    if (!(await restoreSecret(this.#aws, this.#target, signal)))
      throw nothingToRestore(`The secrets document '${this.#target.id}'`, name);
    if ((await this.#document.get(name, signal ? { signal } : {})) === undefined)
      throw new SecretNotFoundError(
        `Secret '${name}' is not in the secrets document '${this.#target.id}': there is nothing to restore (a field deleted from the document is gone for good)`,
        { secret: name, provider: PROVIDER_NAME },
      );
  }

  list(): Promise<string[]> {
    return this.#naming(undefined, () => this.#document.list());
  }

  /** `DescribeSecret` of the document: present, absent, or in its recovery window (an error). */
  async check(
    details: Record<string, string | number | boolean>,
    signal: AbortSignal | undefined,
  ): Promise<ProviderStatus> {
    const description = await describeSecret(this.#aws, this.#target, signal);
    if (description?.DeletedDate) throw scheduled(this.#target, description);
    details.document = description ? "present" : "absent";
    return { details };
  }

  /** Say which secret a scheduled deletion of the document stands in the way of. */
  async #naming<T>(name: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (
        name !== undefined &&
        error instanceof Error &&
        (error as { code?: unknown }).code === "SECRET_SCHEDULED_FOR_DELETION"
      ) {
        const description = await describeSecret(this.#aws, this.#target).catch(() => undefined);
        if (description?.DeletedDate)
          throw scheduled({ ...this.#target, restoreHint: `secrets restore ${name}` }, description, error);
      }
      throw error;
    }
  }
}
