/** Keeping the AWS SDK's Node.js version warning off stderr unless debug logging is on. */
import type { Logger } from "@org/secrets-core/provider";

/** The AWS SDK's own switch for its Node.js version warning (it reads `process.env` when a client is built). */
export const SDK_NODE_WARNING_ENV = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

/**
 * On Node.js 20 the AWS SDK writes a nine-line `NodeVersionSupportWarning` to
 * stderr the first time a client is built, in every process that builds one.
 * The provider turns it off before it loads the SDK, unless debug logging is
 * on (the logger's level, or `LOG_LEVEL=debug` when the logger cannot say), or
 * the variable is already set either way. Callers that want to tell people
 * once (the CLI's `health`) do so themselves.
 */
export function silenceSdkNodeWarning(
  logger: Logger | undefined,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (env[SDK_NODE_WARNING_ENV] !== undefined) return;
  const debug =
    logger?.isLevelEnabled !== undefined
      ? logger.isLevelEnabled("debug")
      : /^\s*(?:debug|trace)\s*$/i.test(env.LOG_LEVEL ?? "");
  if (!debug) env[SDK_NODE_WARNING_ENV] = "true";
}
