import { run } from "@org/secrets-cli";
import type { ProviderLoaders } from "@org/secrets-core";

/**
 * The first-party providers this bundle carries, by short name. Each is bundled
 * into the one file but loaded only when `--provider` / `SECRET_PROVIDER`
 * selects it, so one provider's SDK never slows down another's commands.
 */
const BUNDLED_PROVIDERS: ProviderLoaders = {
  env: () => import("@org/secrets-provider-env"),
  vault: () => import("@org/secrets-provider-vault"),
  aws: () => import("@org/secrets-provider-aws"),
};

run(process.argv.slice(2), {}, { loaders: BUNDLED_PROVIDERS }).then((code) => {
  process.exitCode = code;
});
