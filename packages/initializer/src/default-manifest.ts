/** The built-in manifest: its YAML text, and the same list as data so it needs no YAML parser. */
import { type GeneratorOptions, resolveGenerator } from "./generators.js";
import { MANIFEST_VERSION, type Manifest, type ManifestSecret } from "./manifest.js";
import { markChecked } from "./manifest-model.js";
import { parseRotationPeriod } from "./rotation-period.js";

/** `source` of the manifest used when no file is found. */
export const BUILT_IN_MANIFEST_SOURCE = "built-in";

/**
 * The built-in manifest: the secrets the toolkit's reference application expects.
 * Also a starting point for a project's own `secrets.yaml`.
 */
export const DEFAULT_MANIFEST_YAML = `# Secrets this application expects. Reference: the @org/secrets-initializer README.
version: 1
secrets:
  # Critical secrets: the application does not start without them.
  SECRET_KEY:
    description: Application secret key
    required: true
    generate: { kind: hex, length: 64 }
    rotation: 90d
  JWT_SECRET_KEY:
    description: JWT signing key
    required: true
    generate: { kind: base64url, length: 64 }
    rotation: 90d
  DATABASE_URL:
    description: Database connection string
    required: true
    generate: false
    development: sqlite:///./dev.db
  BASIC_AUTH_PASSWORD:
    description: Basic authentication password
    required: true
    generate: { kind: password, length: 43 }
    rotation: 90d

  # Optional secrets: missing ones degrade the health check but do not stop the application.
  TYPESENSE_API_KEY:
    description: Typesense search API key
    required: false
    generate: { kind: alphanumeric, length: 43 }
  SPARK_AUTH_SECRET:
    description: Spark authentication secret
    required: false
    generate: { kind: hex, length: 64 }
  REDIS_PASSWORD:
    description: Redis password
    required: false
    generate: { kind: alphanumeric, length: 43 }
  GRAFANA_ADMIN_PASSWORD:
    description: Grafana admin password
    required: false
    generate: { kind: password, length: 43 }
  SMTP_PASSWORD:
    description: Email SMTP password
    required: false
    generate: false
  AWS_ACCESS_KEY_ID:
    description: AWS access key
    required: false
    generate: false
  AWS_SECRET_ACCESS_KEY:
    description: AWS secret key
    required: false
    generate: false
`;

type Entry = [
  name: string,
  description: string,
  required: boolean,
  generate: GeneratorOptions | false,
  rotation?: string | undefined,
  development?: string,
];

/** The same list as data, so the built-in manifest needs no YAML parser (a test keeps the two equal). */
const DEFAULT_SECRETS: readonly Entry[] = [
  ["SECRET_KEY", "Application secret key", true, { kind: "hex", length: 64 }, "90d"],
  ["JWT_SECRET_KEY", "JWT signing key", true, { kind: "base64url", length: 64 }, "90d"],
  ["DATABASE_URL", "Database connection string", true, false, undefined, "sqlite:///./dev.db"],
  ["BASIC_AUTH_PASSWORD", "Basic authentication password", true, { kind: "password", length: 43 }, "90d"],
  ["TYPESENSE_API_KEY", "Typesense search API key", false, { kind: "alphanumeric", length: 43 }],
  ["SPARK_AUTH_SECRET", "Spark authentication secret", false, { kind: "hex", length: 64 }],
  ["REDIS_PASSWORD", "Redis password", false, { kind: "alphanumeric", length: 43 }],
  ["GRAFANA_ADMIN_PASSWORD", "Grafana admin password", false, { kind: "password", length: 43 }],
  ["SMTP_PASSWORD", "Email SMTP password", false, false],
  ["AWS_ACCESS_KEY_ID", "AWS access key", false, false],
  ["AWS_SECRET_ACCESS_KEY", "AWS secret key", false, false],
];

let cached: Manifest | undefined;

/**
 * The built-in manifest, built on first use. It is not run through the
 * manifest checks on every start: it is constant data, and a test keeps it
 * equal to what parsing `DEFAULT_MANIFEST_YAML` (checks included) gives.
 */
export function defaultManifest(): Manifest {
  cached ??= markChecked(
    Object.freeze({
      version: MANIFEST_VERSION,
      source: BUILT_IN_MANIFEST_SOURCE,
      secrets: Object.freeze(
        DEFAULT_SECRETS.map(([name, description, required, generate, rotation, development]) => {
          const secret: ManifestSecret = {
            name,
            description,
            required,
            generate: generate === false ? false : Object.freeze(resolveGenerator(generate)),
            ...(rotation === undefined ? {} : { rotation: Object.freeze(parseRotationPeriod(rotation)) }),
            ...(development === undefined ? {} : { development }),
          };
          return Object.freeze(secret);
        }),
      ),
    }),
  );
  return cached;
}
