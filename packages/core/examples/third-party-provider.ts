// A complete third-party provider: a package `@acme/secrets-provider-kv` that
// stores secrets in an HTTP key-value service. Published with
// `"peerDependencies": { "@org/secrets-core": "^0.1.0" }`.
import {
  AccessDeniedError,
  AuthenticationError,
  ProviderNotConfiguredError,
  type ProviderContext,
  ProviderUnavailableError,
  type ReadOptions,
  SecretConflictError,
  type SecretProvider,
  type SecretRecord,
  type WriteOptions,
} from "@org/secrets-core";

export interface KvProviderOptions {
  url: string;
  token: string;
  fetch?: typeof fetch;
}

export class KvProvider implements SecretProvider {
  readonly name = "acme-kv";
  readonly displayName = "Acme KV";
  readonly capabilities = { batchRead: false, list: true, versions: false, checkAndSet: true, metadata: false };
  readonly #url: string;
  readonly #token: string; // private field: never printed with the object
  readonly #fetch: typeof fetch;

  constructor(options: KvProviderOptions) {
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

  async set(name: string, value: string, options: WriteOptions = {}): Promise<{ version: string }> {
    const headers: Record<string, string> = {};
    if (options.ifAbsent) headers["if-none-match"] = "*";
    if (options.ifVersion) headers["if-match"] = options.ifVersion;
    const res = await this.#request("PUT", `/keys/${encodeURIComponent(name)}`, { value }, options.signal, headers);
    if (res.status === 412) throw new SecretConflictError(this.name, name);
    return { version: res.headers.get("etag") ?? "" };
  }

  async delete(name: string): Promise<boolean> {
    const res = await this.#request("DELETE", `/keys/${encodeURIComponent(name)}`);
    return res.status !== 404;
  }

  async list(): Promise<string[]> {
    const res = await this.#request("GET", "/keys");
    return (await res.json()) as string[];
  }

  async check(): Promise<void> {
    await this.#request("GET", "/health");
  }

  async #request(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.#url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, "content-type": "application/json", ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      // Name the URL and the network error; never the token or a value.
      throw new ProviderUnavailableError(this.name, `Cannot reach Acme KV at ${this.#url}`, { cause: error });
    }
    if (res.status === 401) throw new AuthenticationError(this.name, this.displayName, "token rejected");
    if (res.status === 403) throw new AccessDeniedError(this.name, `Acme KV denied ${method} ${path}`);
    if (res.status >= 500) throw new ProviderUnavailableError(this.name, `Acme KV answered ${res.status}`);
    return res;
  }
}

/** The entry point core resolves for `SECRET_PROVIDER=@acme/secrets-provider-kv`. */
export function createProvider(context: ProviderContext): SecretProvider {
  const url = context.env.ACME_KV_URL;
  const token = context.env.ACME_KV_TOKEN;
  const missing = [!url && "ACME_KV_URL", !token && "ACME_KV_TOKEN"].filter((x): x is string => Boolean(x));
  if (missing.length > 0) {
    throw new ProviderNotConfiguredError("acme-kv", `set ${missing.join(" and ")}`, { missing });
  }
  return new KvProvider({ url: url as string, token: token as string });
}
