/** Encoding the document layout's fields as one JSON object in one secret, and decoding them back. */
import {
  type DocumentBackend,
  describeName,
  ProviderError,
  type ReadOptions,
  type StoredDocument,
} from "@org/secrets-core/provider";
import type { AwsClient, Target } from "../client.js";
import { DISPLAY_NAME, PROVIDER_NAME } from "../names.js";
import { readSecret } from "../secret-reads.js";
import type { SecretWriter } from "../secret-writes.js";
import { MAX_SECRET_BYTES } from "../value.js";
import { CURRENT, versionSelector } from "../versions.js";

/** Secrets Manager's limit on one `SecretString`, and so on the whole document. */
export const MAX_DOCUMENT_BYTES = MAX_SECRET_BYTES;

/**
 * The document layout's storage: every secret of the application is a field
 * of one JSON object, kept in one Secrets Manager secret. Reads are one
 * `GetSecretValue`; writes go through the atomic create and the checked
 * write, and core's `DocumentLayout` retries a write that lost a race.
 */
export class AwsDocumentBackend implements DocumentBackend {
  readonly #aws: AwsClient;
  readonly #writer: SecretWriter;
  readonly #target: Target;

  constructor(aws: AwsClient, writer: SecretWriter, target: Target) {
    this.#aws = aws;
    this.#writer = writer;
    this.#target = target;
  }

  async read(options: ReadOptions = {}): Promise<StoredDocument | undefined> {
    const selector = options.version === undefined ? CURRENT : versionSelector(options.version);
    if (selector === undefined) return undefined;
    const stored = await readSecret(this.#aws, this.#target, selector, options.signal);
    if (!stored) return undefined;
    return { fields: this.#parse(stored.value), version: stored.versionId ?? "" };
  }

  async write(
    fields: Record<string, string>,
    expected: string | undefined,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<void> {
    // Field names are untrusted keys (`__proto__` is a valid secret name): no prototype to hit.
    const sorted: Record<string, string> = Object.create(null);
    for (const key of Object.keys(fields).sort()) sorted[key] = fields[key] as string;
    const text = JSON.stringify(sorted);
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_DOCUMENT_BYTES)
      throw new ProviderError(
        `The secrets document '${this.#target.id}' would be ${bytes} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit of ${DISPLAY_NAME}: use the per-secret layout`,
        { provider: PROVIDER_NAME },
      );
    if (expected === undefined) await this.#writer.create(this.#target, text, undefined, options.signal);
    else await this.#writer.writeIfVersion(this.#target, text, expected, undefined, options.signal);
  }

  #parse(text: string): Record<string, string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.#invalid("it is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw this.#invalid("it is not a JSON object");
    // JSON.parse keeps `__proto__` as an own field; copying it into `{}` would set the prototype instead.
    const fields: Record<string, string> = Object.create(null);
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === "string") fields[key] = value;
      else if (typeof value === "number" || typeof value === "boolean") fields[key] = String(value);
      else throw this.#invalid(`field ${describeName(key)} is ${value === null ? "null" : "not a string"}`);
    }
    return fields;
  }

  #invalid(reason: string): ProviderError {
    return new ProviderError(
      `The secrets document '${this.#target.id}' cannot be read: ${reason}; the document layout keeps one JSON object of strings in that secret`,
      { provider: PROVIDER_NAME },
    );
  }
}
