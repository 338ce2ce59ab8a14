import path from "node:path";
import type { SecretManager } from "@org/secrets-core";
import type { CommandContext } from "./context.js";
import { isSameFile } from "./same-file.js";
import { UsageError } from "./usage-error.js";

/**
 * The names the initializer looks for in the project directory when no
 * manifest is named (its `MANIFEST_FILE_NAMES`; a test keeps the two equal).
 * Copied so that `set` need not load the initializer.
 */
export const MANIFEST_NAMES: readonly string[] = Object.freeze(["secrets.yaml", "secrets.yml"]);

/**
 * Every file that is the manifest, or would be: the one `--manifest` or
 * `SECRETS_MANIFEST` names, else each default name in the project directory.
 */
export function manifestFiles(context: CommandContext): string[] {
  const explicit = context.global.manifest?.trim() || context.env.SECRETS_MANIFEST?.trim();
  const { cwd } = context.io;
  return explicit ? [path.resolve(cwd, explicit)] : MANIFEST_NAMES.map((name) => path.join(cwd, name));
}

/** The dotenv file a provider writes (the env provider names it, absolute, as `path`), if any. */
export function dotenvFileOf(provider: object): string | undefined {
  const file = (provider as { path?: unknown }).path;
  return typeof file === "string" && path.isAbsolute(file) ? file : undefined;
}

/** `file` as the user would name it: relative to the project directory when inside it. */
export function shownPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/**
 * Refuse a command that writes through `manager` when its provider's dotenv
 * file is the manifest (`--dotenv-file secrets.yaml`, `--to-set
 * SECRET_ENV_FILE=secrets.yaml`, or a link to it): the write would damage the
 * manifest and put secret values into a file meant to be committed. Compared
 * as the files a write would replace, so a link is no way around it.
 */
export async function refuseDotenvOnManifest(
  manager: SecretManager,
  context: CommandContext,
  command: string,
): Promise<void> {
  const file = dotenvFileOf(await manager.getProvider());
  if (file === undefined) return;
  for (const manifest of manifestFiles(context)) {
    if (await isSameFile(file, manifest))
      throw new UsageError(
        `Refused: the ${manager.providerName} provider's dotenv file ${shownPath(file, context.io.cwd)} is the manifest (${shownPath(manifest, context.io.cwd)}); writing secrets there would damage it: point --dotenv-file or SECRET_ENV_FILE at another file`,
        { command, field: "SECRET_ENV_FILE" },
      );
  }
}
