/** What a manifest is once read: its secrets, and the error that says where one is wrong. */
import { SecretConfigError } from "@org/secrets-core";
import type { GeneratorSpec } from "./generators.js";
import type { RotationPeriod } from "./rotation-period.js";

/** The one manifest format version this release reads. */
export const MANIFEST_VERSION = 1;

/** One secret the application expects. */
export interface ManifestSecret {
  readonly name: string;
  readonly description?: string | undefined;
  /** A required secret that is missing makes the application unable to start. */
  readonly required: boolean;
  /** How to generate a value, or `false` when someone has to provide it. */
  readonly generate: GeneratorSpec | false;
  /** How often it should be rotated; absent when rotation is not tracked. */
  readonly rotation?: RotationPeriod | undefined;
  /** A value used only outside production, on a provider for local development (env), when the secret is missing. */
  readonly development?: string | undefined;
}

/** The secrets an application expects, in declaration order. */
export interface Manifest {
  readonly version: 1;
  /** Where it came from: a file path, or `"built-in"`. */
  readonly source: string;
  readonly secrets: readonly ManifestSecret[];
}

/**
 * Manifests this module built and froze after checking them (parsed from a
 * file, or the built-in one): they cannot have changed since, so checking one
 * again is skipped.
 */
const checkedManifests = new WeakSet<Manifest>();

/** Remember `manifest`, which must be checked and deeply frozen, as one that needs no further check. */
export function markChecked(manifest: Manifest): Manifest {
  checkedManifests.add(manifest);
  return manifest;
}

/** Whether `manifest` was marked by `markChecked`. */
export function isChecked(manifest: Manifest): boolean {
  return checkedManifests.has(manifest);
}

/** One problem found in a manifest file. */
export interface ManifestIssue {
  readonly message: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** The key path, for example `secrets.SECRET_KEY.generate.kind`; empty for syntax errors. */
  readonly path: string;
}

/**
 * A manifest that cannot be used. The message is the first problem as
 * `file:line:col: what is wrong`; `issues` holds every problem found.
 */
export class ManifestError extends SecretConfigError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly issues: readonly ManifestIssue[];

  /** Standard message (when `message` is `undefined`): `file:line:col: what is wrong (and N more problems)`. */
  constructor(
    message: string | undefined,
    options: { file: string; issues: readonly [ManifestIssue, ...ManifestIssue[]]; cause?: unknown },
  ) {
    const { file, issues } = options;
    const first = issues[0];
    super(
      message ?? `${file}:${first.line}:${first.column}: ${first.message}${moreProblems(issues.length)}`,
      {
        field: `${file}:${first.line}:${first.column}`,
        cause: options.cause,
      },
    );
    this.file = file;
    this.line = first.line;
    this.column = first.column;
    this.issues = issues;
  }
}

/** ` (and N more problems)` after the first of `count` problems, else nothing. */
export function moreProblems(count: number): string {
  return count > 1 ? ` (and ${count - 1} more problem${count > 2 ? "s" : ""})` : "";
}
