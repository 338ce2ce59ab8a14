/** Which version of a secret a read asks for: a stage (`AWSCURRENT`, `AWSPREVIOUS`) or a version id. */

/** Which version of a secret to read. */
export type VersionSelector = { stage: string } | { id: string };

export const CURRENT: VersionSelector = Object.freeze({ stage: "AWSCURRENT" });
export const PREVIOUS: VersionSelector = Object.freeze({ stage: "AWSPREVIOUS" });

/** A Secrets Manager version id (a `ClientRequestToken`): 32–64 characters. */
const VERSION_ID = /^[A-Za-z0-9_-]{32,64}$/;

/**
 * What `get(name, { version })` asks for: `"previous"` is the `AWSPREVIOUS`
 * stage, `"current"` the `AWSCURRENT` one, anything else a version id.
 * `undefined` for a string that cannot be a version id: no such version exists.
 */
export function versionSelector(version: string): VersionSelector | undefined {
  if (version === "previous") return PREVIOUS;
  if (version === "current") return CURRENT;
  return VERSION_ID.test(version) ? { id: version } : undefined;
}
