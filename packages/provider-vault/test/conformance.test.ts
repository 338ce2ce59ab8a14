import { runProviderConformance } from "@org/secrets-provider-testkit";
import { createProvider } from "../src/index.js";
import { enableKv, server, unique } from "./support/vault.js";

const { addr, token } = server();
const cwd = process.cwd();
const kv1 = await enableKv(1);

runProviderConformance({
  name: "vault, KV v2 on secret/, one entry per secret",
  create: ({ logger }) =>
    createProvider({
      env: { VAULT_URL: addr, VAULT_TOKEN: token, VAULT_PATH_PREFIX: unique("conf") },
      cwd,
      logger,
    }),
  sensitive: [token],
});

runProviderConformance({
  name: "vault, KV v2 on secret/, document layout",
  create: ({ logger }) =>
    createProvider({
      env: {
        VAULT_URL: addr,
        VAULT_TOKEN: token,
        VAULT_PATH_PREFIX: unique("doc"),
        VAULT_LAYOUT: "document",
      },
      cwd,
      logger,
    }),
  sensitive: [token],
});

runProviderConformance({
  name: "vault, KV v1 mount",
  create: ({ logger }) =>
    createProvider({
      env: { VAULT_ADDR: addr, VAULT_TOKEN: token, VAULT_MOUNT_POINT: kv1, VAULT_PATH_PREFIX: unique("v1") },
      cwd,
      logger,
    }),
  sensitive: [token],
});
