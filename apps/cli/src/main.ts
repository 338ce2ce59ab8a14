import { run } from "@org/secrets-cli";
import type { ProviderLoaders } from "@org/secrets-core";

/**
 * The first-party providers this bundle carries, by short name. Each is bundled
 * into the one file but loaded only when `--provider` / `SECRET_PROVIDER`
 * selects it, so one provider's SDK never slows down another's commands.
 *
 * Providers join this list when their packages are released:
 * - `vault: () => import("@org/secrets-provider-vault")`
 * - `aws: () => import("@org/secrets-provider-aws")`
 * Until then, selecting them reports which package provides them.
 */
const BUNDLED_PROVIDERS: ProviderLoaders = {
  env: () => import("@org/secrets-provider-env"),
};

run(process.argv.slice(2), {}, { loaders: BUNDLED_PROVIDERS }).then((code) => {
  process.exitCode = code;
});
