/**
 * Typed configuration from secrets with any Standard Schema validator, environment variables
 * first.
 */
import type { Env } from "./config.js";
import { getSecretManager } from "./default-manager.js";
import { SecretConfigError } from "./errors.js";
import type { SecretManager } from "./manager.js";
import { assertValidSecretName } from "./names.js";
import { MIN_REDACTED_LENGTH, REDACTED, redact } from "./redact.js";

/**
 * The Standard Schema interface (https://standardschema.dev), declared here so
 * core needs no dependency: zod, valibot, arktype and others implement it.
 */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export type InferOutput<S extends StandardSchema> = NonNullable<S["~standard"]["types"]>["output"];

export interface LoadSecretConfigOptions {
  /** Where secrets come from; defaults to `getSecretManager()`. */
  manager?: SecretManager;
  /** Environment variables take precedence over the provider, as in the spec (default `process.env`). */
  env?: Env;
  /** Set to `false` to read only from the provider. */
  envPrecedence?: boolean;
}

export interface SecretConfigDefinition<S extends StandardSchema> {
  readonly schema: S;
  /** Config field → secret name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Build and validate the config object from secrets (the spec's `from_secrets()`). */
  fromSecrets(options?: LoadSecretConfigOptions): Promise<InferOutput<S>>;
}

/**
 * Declare a typed configuration built from secrets:
 *
 * ```ts
 * const AppConfig = defineSecretConfig(z.object({ secretKey: z.string().min(32) }), { secretKey: "SECRET_KEY" });
 * const config = await AppConfig.fromSecrets();
 * ```
 */
export function defineSecretConfig<S extends StandardSchema>(
  schema: S,
  secrets: Readonly<Record<string, string>>,
): SecretConfigDefinition<S> {
  for (const name of Object.values(secrets)) assertValidSecretName(name);
  return {
    schema,
    secrets,
    fromSecrets: (options) => loadSecretConfig(schema, secrets, options),
  };
}

/** Read the mapped secrets (environment first), validate them with `schema`, and return the typed result. */
export async function loadSecretConfig<S extends StandardSchema>(
  schema: S,
  secrets: Readonly<Record<string, string>>,
  options: LoadSecretConfigOptions = {},
): Promise<InferOutput<S>> {
  const env = options.env ?? process.env;
  const useEnv = options.envPrecedence !== false;
  // Field and secret names are untrusted keys (`constructor`, `__proto__` are valid):
  // collect in a Map, read the environment's own properties only.
  const found = new Map<string, string>();
  const fromProvider: string[] = [];
  for (const [field, name] of Object.entries(secrets)) {
    assertValidSecretName(name);
    const fromEnv = useEnv && Object.hasOwn(env, name) ? env[name] : undefined;
    if (typeof fromEnv === "string") found.set(field, fromEnv);
    else fromProvider.push(name);
  }
  if (fromProvider.length > 0) {
    const manager = options.manager ?? getSecretManager();
    const values = await manager.getSecrets(fromProvider);
    for (const [field, name] of Object.entries(secrets)) {
      const value = values.get(name);
      if (!found.has(field) && value !== undefined) found.set(field, value);
    }
  }
  // fromEntries defines own properties, so a field named `__proto__` stays a field.
  const input: Record<string, string> = Object.fromEntries(found);
  const received = [...found.values()];
  let result: StandardResult<unknown>;
  try {
    result = await schema["~standard"].validate(input);
  } catch (error) {
    // A transform that throws (`JSON.parse`, `new URL`) puts the input in its
    // message and fields (`input`): only its class and a scrubbed message are kept.
    throw new SecretConfigError(
      `Invalid configuration from secrets: the schema threw ${thrownName(error)}${thrownDetail(error, received)}`,
    );
  }
  if (result.issues) {
    let firstField: string | undefined;
    const problems = result.issues.map((issue) => {
      const path = (issue.path ?? []).map((segment) =>
        typeof segment === "object" && segment !== null ? segment.key : segment,
      );
      const field = path.length > 0 ? String(path[0]) : undefined;
      firstField ??= field;
      const name = field !== undefined && Object.hasOwn(secrets, field) ? secrets[field] : undefined;
      const shownPath = path.map(String).join(".");
      const where = field === undefined ? "config" : name ? `${shownPath} (${name})` : shownPath;
      return `${where}: ${describeIssue(issue.message, received)}`;
    });
    throw new SecretConfigError(`Invalid configuration from secrets: ${problems.join("; ")}`, {
      ...(result.issues.length === 1 && firstField !== undefined ? { field: firstField } : {}),
    });
  }
  return result.value as InferOutput<S>;
}

/**
 * A validator's issue message without the value it received: zod, valibot and
 * arktype quote the input (`but received "…"`, `(was …)`); those parts are
 * dropped, and any received value still in the text is scrubbed.
 */
function describeIssue(message: unknown, received: readonly string[]): string {
  if (typeof message !== "string") return "invalid";
  let text = message
    .replace(/\s*\((?:was|got|received)\b[^)]*\)/gi, "")
    .replace(/[,;:]?\s*(?:but\s+)?(?:received|got|was)\s.*$/i, "");
  text = dropQuotedInput(text, received);
  text = redact(text, received);
  for (const value of received) {
    if (value.length === 0 || value.length >= MIN_REDACTED_LENGTH) continue;
    for (const quote of ['"', "'", "`"]) text = text.split(`${quote}${value}${quote}`).join(REDACTED);
  }
  text = text.replace(/\s+/g, " ").trim();
  if (text.length > 200) text = `${text.slice(0, 200)}…`;
  return text || "invalid";
}

/**
 * `text` without the quoted parts that are a piece of a received value: Node's
 * `JSON.parse` errors quote the input's first characters (`Unexpected token 'h',
 * "hunter2"... is not valid JSON`), too few for redaction to recognise as a value.
 */
function dropQuotedInput(text: string, received: readonly string[]): string {
  return text
    .replace(/Unexpected token '[^']*', /g, "Unexpected token, ")
    .replace(/(?:\.\.\.)?(["'`])([^"'`]*)\1(?:\.\.\.)?/g, (quoted, _quote: string, inner: string) =>
      received.some(
        (value) => value === inner || (inner.length >= MIN_REDACTED_LENGTH && value.includes(inner)),
      )
        ? REDACTED
        : quoted,
    );
}

function thrownName(error: unknown): string {
  let name: unknown;
  try {
    name = error instanceof Error ? error.name : undefined;
  } catch {
    name = undefined;
  }
  return typeof name === "string" && /^[A-Za-z_$][\w$]{0,63}$/.test(name) && redact(name) === name
    ? name
    : `a ${error === null ? "null" : typeof error}`;
}

function thrownDetail(error: unknown, received: readonly string[]): string {
  if (!(error instanceof Error)) return "";
  let message: unknown;
  try {
    message = error.message;
  } catch {
    return "";
  }
  const text = describeIssue(message, received);
  return text === "invalid" ? "" : `: ${text}`;
}
