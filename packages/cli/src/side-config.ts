import { UsageError } from "./usage-error.js";

/**
 * `copy --from-set VAR=VALUE` / `--to-set VAR=VALUE`: variables for one side of
 * a copy. Values given this way are on the command line (shell history, the
 * process list), so nothing that may be a credential is accepted: variable
 * names that look like a token, secret, password or key, and URLs with
 * userinfo. Those come from the environment, which both sides share.
 */

/** Parts of a variable name that mark a credential (`SECRET_` as the toolkit's own prefix aside). */
const CREDENTIAL_NAME =
  /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_KEY|SESSION|ROLE_ID|JWT|AUTH/i;

/** Variables that choose the provider: given with --from / --to instead. */
const PROVIDER_VARIABLES: ReadonlySet<string> = new Set(["SECRET_PROVIDER"]);

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The variables of `--from-set` or `--to-set` (`option`), checked; a null-prototype record. */
export function parseSideSettings(values: unknown, option: "from-set" | "to-set"): Record<string, string> {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  const out: Record<string, string> = Object.create(null);
  for (const item of list) {
    const text = String(item);
    const at = text.indexOf("=");
    // Only the part before `=` is ever shown: the rest is a value.
    const name = at === -1 ? text : text.slice(0, at);
    const shown = name.slice(0, 60);
    if (at === -1 || !VARIABLE_NAME.test(name))
      throw new UsageError(
        `--${option} takes VARIABLE=VALUE (got '${at === -1 ? "a value without =" : shown}')`,
        {
          command: "copy",
          field: option,
        },
      );
    if (PROVIDER_VARIABLES.has(name))
      throw new UsageError(`--${option} cannot set ${name}: use --${option.split("-")[0]}`, {
        command: "copy",
        field: option,
      });
    if (CREDENTIAL_NAME.test(name.replace(/^SECRET_/, "")))
      throw new UsageError(
        `--${option} refuses ${shown}: it looks like a credential, which must not be on the command line; set it in the environment (both sides share it)`,
        { command: "copy", field: option },
      );
    const value = text.slice(at + 1);
    if (/[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i.test(value))
      throw new UsageError(
        `--${option} refuses the value of ${shown}: a URL with a user name or password; put credentials in the environment`,
        { command: "copy", field: option },
      );
    if (Object.hasOwn(out, name))
      throw new UsageError(`--${option} sets ${shown} twice`, { command: "copy", field: option });
    out[name] = value;
  }
  return out;
}
