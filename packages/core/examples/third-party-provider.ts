import {
  AccessDeniedError,
  AuthenticationError,
  type ProviderContext,
  ProviderNotConfiguredError,
  ProviderUnavailableError,
  type ReadOptions,
  SecretConflictError,
  type SecretProvider,
  type SecretRecord,
  type WriteOptions,
} from "@org/secrets-core/provider";

export class KvProvider implements SecretProvider {
  readonly name = "acme-kv";
  readonly displayName = "Acme KV";
  // No getMany: core reads several secrets one by one. list() is there, so it lists.
  readonly capabilities = { versions: false, checkAndSet: true, metadata: false };
  readonly #url: string;
  readonly #token: string; // a private field: never printed with the object
  readonly #fetch: typeof fetch;

  constructor(options: { url: string; token: string; fetch?: typeof fetch }) {
    this.#url = options.url.replace(/\/+$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
  }

  async get(name: string, options: ReadOptions = {}): Promise<SecretRecord | undefined> {
    const res = await this.#request("GET", `/keys/${encodeURIComponent(name)}`, undefined, options.signal);
    if (res.status === 404) return undefined; // missing is not an error
    const body = (await res.json()) as { value: string; etag: string };
    return { value: body.value, version: body.etag };
  }

  async set(name: string, value: string, options: WriteOptions = {}) {
    const headers: Record<string, string> = {};
    if (options.ifAbsent) headers["if-none-match"] = "*";
    if (options.ifVersion) headers["if-match"] = options.ifVersion;
    const res = await this.#request(
      "PUT",
      `/keys/${encodeURIComponent(name)}`,
      { value },
      options.signal,
      headers,
    );
    if (res.status === 412) throw new SecretConflictError(undefined, { provider: this.name, secret: name });
    return { version: res.headers.get("etag") ?? "" };
  }

  async delete(name: string) {
    return (await this.#request("DELETE", `/keys/${encodeURIComponent(name)}`)).status !== 404;
  }

  async list() {
    return (await (await this.#request("GET", "/keys")).json()) as string[];
  }

  async check() {
    await this.#request("GET", "/health");
  }

  async #request(method: string, path: string, body?: unknown, signal?: AbortSignal, headers = {}) {
    let res: Response;
    try {
      res = await this.#fetch(`${this.#url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, "content-type": "application/json", ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw new ProviderUnavailableError(`Cannot reach Acme KV at ${this.#url}`, {
        provider: this.name,
        cause: error,
      });
    }
    if (res.status === 401)
      throw new AuthenticationError(undefined, {
        provider: this.name,
        displayName: this.displayName,
        reason: "token rejected",
      });
    if (res.status === 403)
      throw new AccessDeniedError(`Acme KV denied ${method} ${path}`, { provider: this.name });
    if (res.status >= 500)
      throw new ProviderUnavailableError(`Acme KV answered ${res.status}`, { provider: this.name });
    return res;
  }
}

/** What core calls for SECRET_PROVIDER=@acme/secrets-provider-kv. */
export function createProvider(context: ProviderContext): SecretProvider {
  const { ACME_KV_URL: url, ACME_KV_TOKEN: token } = context.env;
  if (!url || !token) {
    const missing = [!url && "ACME_KV_URL", !token && "ACME_KV_TOKEN"].filter(Boolean) as string[];
    throw new ProviderNotConfiguredError(undefined, {
      provider: "acme-kv",
      reason: `set ${missing.join(" and ")}`,
      missing,
    });
  }
  return new KvProvider({ url, token });
}
