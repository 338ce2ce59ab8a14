/**
 * The node-vault client the provider builds itself, loaded on first use, with
 * every request sent through the provider's own HTTP client (http.ts) and
 * nothing node-vault would pick up from the environment on its own.
 */
import type { VaultClientLike } from "./options.js";

export async function createNodeVaultClient(url: string, transport: unknown): Promise<VaultClientLike> {
  const mod = (await import("node-vault")) as unknown as { default?: unknown };
  const factory = (typeof mod.default === "function" ? mod.default : mod) as (
    options: Record<string, unknown>,
  ) => VaultClientLike & Record<string, unknown>;
  const client = factory({
    endpoint: url,
    apiVersion: "v1",
    // node-vault writes request bodies (secret values) to its `debug` logger; never let it.
    debug: () => {},
    // node-vault reads VAULT_SKIP_VERIFY itself (any non-empty value disables checks);
    // the provider passes its own agents instead, built from the parsed setting.
    rpDefaults: { strictSSL: true },
    // Every request goes through the provider's own HTTP client: redirects, aborts and timeouts are ours.
    "request-promise": transport,
  });
  // node-vault also picks these up from process.env on its own; the provider sends
  // token and namespace per request, and paths are exactly the ones it encoded.
  client.token = undefined;
  client.namespace = undefined;
  client.pathPrefix = "";
  return client;
}

/** The address of a client the user built, for messages. */
export function clientEndpoint(client: VaultClientLike): string {
  const endpoint = (client as { endpoint?: unknown }).endpoint;
  return typeof endpoint === "string" ? endpoint : "the configured Vault client";
}
