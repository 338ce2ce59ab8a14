/** Replaced by the build (and the test config) with the version in package.json. */
declare const __SECRETS_CORE_VERSION__: string | undefined;

/**
 * This package's version, the instrumentation scope version of its meter and
 * tracer. Injected when the package is built, so nothing reads package.json at
 * startup.
 */
export const CORE_VERSION: string =
  typeof __SECRETS_CORE_VERSION__ === "string" ? __SECRETS_CORE_VERSION__ : "0.0.0-source";
