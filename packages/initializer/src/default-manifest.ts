import { type Manifest, parseManifest } from "./manifest.js";

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

let cached: Manifest | undefined;

/** The built-in manifest, parsed on first use. */
export function defaultManifest(): Manifest {
  cached ??= parseManifest(DEFAULT_MANIFEST_YAML, BUILT_IN_MANIFEST_SOURCE);
  return cached;
}
