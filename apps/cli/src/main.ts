import { exitQuietlyOnBrokenPipe, run } from "@org/secrets-cli";
import type { ProviderLoaders } from "@org/secrets-core";
import { loadSection } from "./sections.js";

/**
 * The first-party providers this bundle carries, by short name. Each is bundled
 * into the one file but loaded only when `--provider` / `SECRET_PROVIDER`
 * selects it, so one provider's SDK never slows down another's commands. The
 * Vault and AWS providers, with node-vault and the AWS SDK, are sections of the
 * file that are not even parsed unless selected (see sections.ts).
 */
const BUNDLED_PROVIDERS: ProviderLoaders = {
  env: () => import("@org/secrets-provider-env"),
  vault: async () => loadSection("vault"),
  aws: async () => loadSection("aws"),
};

exitQuietlyOnBrokenPipe();
run(process.argv.slice(2), {}, { loaders: BUNDLED_PROVIDERS }).then((code) => {
  process.exitCode = code;
});
