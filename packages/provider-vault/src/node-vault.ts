/**
 * The node-vault client the provider builds itself, loaded on first use, with
 * every request sent through the provider's own HTTP client (http.ts) and
 * nothing node-vault would pick up from the environment on its own.
 */
import Module, { createRequire } from "node:module";
import { STAND_INS } from "./node-vault-stand-ins.js";
import type { VaultClientLike } from "./options.js";

type NodeVaultFactory = (options: Record<string, unknown>) => VaultClientLike & Record<string, unknown>;

/** Set by a bundle that carries node-vault with its HTTP client and logger already replaced. */
declare const __SECRETS_NODE_VAULT_BUNDLED__: boolean | undefined;

export async function createNodeVaultClient(url: string, transport: unknown): Promise<VaultClientLike> {
  const factory = await loadNodeVault();
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
    // No command methods (the provider calls only request()), also from a copy
    // of node-vault the application loaded itself, and request()'s check of its options.
    commands: STAND_INS["./commands.js"],
    tv4: STAND_INS.tv4,
  });
  // node-vault also picks these up from process.env on its own; the provider sends
  // token and namespace per request, and paths are exactly the ones it encoded.
  client.token = undefined;
  client.namespace = undefined;
  client.pathPrefix = "";
  return client;
}

/**
 * node-vault requires axios (its default HTTP client), Node's `https` (for an
 * axios agent), debug (its default logger) and what builds its command methods
 * (its command table, mustache and tv4) as it loads, although the provider
 * replaces or never uses them. Loading them is most of node-vault's start-up
 * (about 60 of 80 ms on a small VM for axios, https and debug alone), so the
 * provider loads its own copy of node-vault with stand-ins for them (see
 * node-vault-stand-ins.ts), which throw if ever used (node-vault reaches for
 * them only when it is not given a request function) or, for tv4, check what
 * `request()` is given. A built-in's stand-in works because Node's module cache
 * is consulted before built-ins for names without `node:`. The stand-ins are in
 * Node's module cache only for the duration of that synchronous `require`, and
 * node-vault's entry is taken out afterwards too: the application's own
 * `require("node-vault")`, `require("axios")` or `require("https")` later loads
 * the real modules, untouched. When the application has already loaded
 * node-vault, that copy is used as it is.
 */
async function loadNodeVault(): Promise<NodeVaultFactory> {
  if (typeof __SECRETS_NODE_VAULT_BUNDLED__ === "boolean" && __SECRETS_NODE_VAULT_BUNDLED__)
    return factoryOf(await import("node-vault"));
  const require = createRequire(import.meta.url);
  const entry = require.resolve("node-vault");
  if (require.cache[entry] !== undefined) return factoryOf(require(entry));
  const fromNodeVault = createRequire(entry);
  const placed: string[] = [];
  for (const [id, exports] of Object.entries(STAND_INS)) {
    let file: string;
    try {
      file = fromNodeVault.resolve(id);
    } catch {
      continue; // node-vault's own require will say what is missing
    }
    if (require.cache[file] !== undefined) continue; // already loaded: no cost to avoid
    const stand = new Module(file);
    stand.filename = file;
    stand.loaded = true;
    stand.exports = exports;
    require.cache[file] = stand;
    placed.push(file);
  }
  try {
    return factoryOf(require(entry));
  } finally {
    for (const file of [...placed, entry]) delete require.cache[file];
  }
}

function factoryOf(mod: unknown): NodeVaultFactory {
  const candidate = (mod as { default?: unknown }).default;
  return (typeof candidate === "function" ? candidate : mod) as NodeVaultFactory;
}

/** The address of a client the user built, for messages. */
export function clientEndpoint(client: VaultClientLike): string {
  const endpoint = (client as { endpoint?: unknown }).endpoint;
  return typeof endpoint === "string" ? endpoint : "the configured Vault client";
}
