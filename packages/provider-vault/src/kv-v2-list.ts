/**
 * Listing the per-secret KV v2 layout: the names whose current version is
 * readable, through OpenBao's paged `detailed-metadata` where the server and
 * the token allow it, else one `LIST` plus one metadata read per name.
 */
import {
  isValidSecretName,
  mapConcurrent,
  NotSupportedError,
  ProviderError,
} from "@org/secrets-core/provider";
import { isLiveVersion, type KvMetadata } from "./kv-v2-versions.js";
import { type LayoutOptions, ownField, secretKeys } from "./layout.js";
import { displayPath } from "./paths.js";
import { PROVIDER, type Send, type VaultRequestError } from "./request.js";

/** Keys asked for per page when listing with metadata. */
export const LIST_PAGE_SIZE = 250;

/** The server cannot list with metadata here (an older server, or a policy without that path). */
function isUnsupported(error: unknown): boolean {
  if (error instanceof NotSupportedError) return true;
  if (!(error instanceof ProviderError)) return false;
  const cause = error.cause as VaultRequestError | undefined;
  return (
    cause?.status === 405 ||
    (cause?.status === 404 && (cause.errors ?? []).some((e) => /no handler/i.test(e)))
  );
}

export class KvV2Listing {
  readonly #send: Send;
  readonly #mount: string[];
  readonly #prefix: string[];
  readonly #logger: LayoutOptions["logger"];
  readonly #concurrency: number;
  readonly #readMetadata: (name: string, signal?: AbortSignal) => Promise<KvMetadata | undefined>;

  constructor(
    options: LayoutOptions,
    readMetadata: (name: string, signal?: AbortSignal) => Promise<KvMetadata | undefined>,
  ) {
    this.#send = options.send;
    this.#mount = options.mount;
    this.#prefix = options.prefix;
    this.#logger = options.logger;
    this.#concurrency = options.concurrency;
    this.#readMetadata = readMetadata;
  }

  /**
   * Names under the prefix whose current version is readable (soft-deleted
   * secrets are left out). Where the server lists metadata with each key
   * (OpenBao's `detailed-metadata`), that is one request per page of
   * `LIST_PAGE_SIZE` keys; elsewhere (or when the token may not list it) one
   * `LIST` plus one metadata read per name, with bounded concurrency.
   */
  async list(signal?: AbortSignal): Promise<string[]> {
    if (this.#detailedList !== false) {
      try {
        const names = await this.#listDetailed(signal);
        this.#detailedList = true;
        return names;
      } catch (error) {
        if (this.#detailedList === true || !isUnsupported(error)) throw error;
        this.#detailedList = false;
        this.#logger.debug("vault.list.detailed_unavailable", { mount: displayPath(this.#mount) });
      }
    }
    const response = await this.#send({
      method: "LIST",
      segments: [...this.#mount, "metadata", ...this.#prefix],
      accept: [404],
      signal,
    });
    const keys = secretKeys(response);
    const live = await mapConcurrent(keys, this.#concurrency, async (key) => {
      signal?.throwIfAborted();
      const meta = await this.#readMetadata(key, signal);
      return meta !== undefined && isLiveVersion(meta.versions?.[String(meta.current_version)]);
    });
    return keys.filter((_, i) => live[i]).sort();
  }

  /** `undefined` until the first list tells whether the server lists metadata with its keys. */
  #detailedList: boolean | undefined;

  async #listDetailed(signal?: AbortSignal): Promise<string[]> {
    const names: string[] = [];
    let after: string | undefined;
    for (;;) {
      const query: Record<string, string> = { limit: String(LIST_PAGE_SIZE) };
      if (after !== undefined) query.after = after;
      const response = await this.#send({
        method: "LIST",
        segments: [...this.#mount, "detailed-metadata", ...this.#prefix],
        query,
        // 403: a policy that grants `list` on metadata/ only; the plain list is tried instead.
        accept: this.#detailedList === true ? [404] : [404, 403, 405],
        signal,
      });
      if (response.status === 403 || response.status === 405)
        throw new NotSupportedError(undefined, { provider: PROVIDER, feature: "listing with metadata" });
      if (response.status === 404) break;
      const data = response.body?.data as { keys?: unknown; key_info?: unknown } | undefined;
      const keys = Array.isArray(data?.keys) ? data.keys : [];
      const info = typeof data?.key_info === "object" && data.key_info !== null ? data.key_info : undefined;
      if (info === undefined && keys.length > 0)
        throw new NotSupportedError(undefined, { provider: PROVIDER, feature: "listing with metadata" });
      for (const key of keys) {
        if (typeof key !== "string" || key.endsWith("/") || !isValidSecretName(key)) continue;
        const meta = ownField(info as object, key) as KvMetadata | undefined;
        if (
          meta &&
          typeof meta.current_version === "number" &&
          isLiveVersion(meta.versions?.[String(meta.current_version)])
        )
          names.push(key);
      }
      const last = keys[keys.length - 1];
      // A full page may have a next one. A server that ignores `limit` or `after`
      // (more keys than asked, or no progress) has answered everything at once.
      if (
        keys.length !== LIST_PAGE_SIZE ||
        typeof last !== "string" ||
        (after !== undefined && last <= after)
      )
        break;
      after = last;
    }
    return [...new Set(names)].sort();
  }
}
