// How a group is registered: the outer describe, the capability probe, unique
// names per run, one session per mode, and the guard for capability groups.
import { randomBytes } from "node:crypto";
import {
  type ResolvedCapabilities,
  SecretConfigError,
  type SecretProvider,
  silentLogger,
} from "@org/secrets-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProviderConformanceOptions } from "./options.js";
import { type Client, MODES, type Mode, Session } from "./session.js";

export type CapabilityName = keyof ResolvedCapabilities;
/** Groups by capability: `batchRead` and `list` run when the provider has `getMany` / `list`. */
export const CAPABILITY_NAMES: readonly CapabilityName[] = [
  "batchRead",
  "list",
  "checkAndSet",
  "versions",
  "metadata",
];

/** What a group registers against: the options, the capabilities probed, and a source of unique names. */
export interface Suite {
  readonly options: ProviderConformanceOptions;
  readonly announced: ResolvedCapabilities;
  readonly uniqueName: () => string;
}

/** What a per-mode group registers against: the client of the current mode and unique names. */
export interface ModeTests {
  readonly mode: Mode;
  client(): Client;
  /** The provider under test (also in the manager modes). */
  provider(): SecretProvider;
  name(): string;
}

/**
 * Register `describe("secret provider conformance: <name>")`, probe the
 * provider's capabilities once, then let `register` add its tests. Throws at
 * once on an invalid `namePrefix`.
 */
export function defineSuite(options: ProviderConformanceOptions, register: (suite: Suite) => void): void {
  const prefix = options.namePrefix ?? "CONFORMANCE_";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(prefix))
    throw new SecretConfigError(
      "namePrefix must be a valid secret name of at most 100 characters (letters, digits, underscores)",
      { field: "namePrefix" },
    );
  const sensitive: unknown = options.sensitive ?? [];
  if (!Array.isArray(sensitive) || sensitive.some((s) => typeof s !== "string" || s.length < 8))
    throw new SecretConfigError("sensitive must be a list of strings of at least 8 characters each", {
      field: "sensitive",
    });
  const runId = randomBytes(4).toString("hex").toUpperCase();
  let counter = 0;
  const uniqueName = () => `${prefix}${runId}_${++counter}`;

  describe(`secret provider conformance: ${options.name}`, async () => {
    const probe = await options.create({ logger: silentLogger });
    const announced = readCapabilities(probe);
    await probe.close?.();
    await options.cleanup?.(probe);
    register({ options, announced, uniqueName });
  });
}

/** Run a per-mode group against the raw provider and through a manager with the cache off and on. */
export function forEachMode(suite: Suite, register: (tests: ModeTests) => void): void {
  for (const mode of MODES) {
    describe(`through the ${mode}`, () => {
      const session = new Session(suite.options, mode, suite.uniqueName);
      beforeAll(() => session.open());
      afterAll(() => session.close());
      register({
        mode,
        client: () => session.client,
        provider: () => session.provider,
        name: () => session.name(),
      });
    });
  }
}

/** A capability group run on its own: a failing test instead of its tests when the provider lacks the capability. */
export function requireCapability(suite: Suite, capability: CapabilityName, register: () => void): void {
  if (suite.announced[capability]) {
    register();
    return;
  }
  it(`capability: ${capability} is required by this group`, () => {
    expect.fail(
      capability === "batchRead" || capability === "list"
        ? `the provider has no ${capability === "batchRead" ? "getMany" : "list"}()`
        : `the provider does not announce capabilities.${capability}`,
    );
  });
}

/** Declared capabilities (`true` only when announced as `true`), and `batchRead` / `list` by method presence. */
export function readCapabilities(provider: SecretProvider): ResolvedCapabilities {
  const declared: Partial<Record<string, unknown>> =
    typeof provider?.capabilities === "object" && provider.capabilities !== null ? provider.capabilities : {};
  return {
    batchRead: typeof provider?.getMany === "function",
    list: typeof provider?.list === "function",
    checkAndSet: declared.checkAndSet === true,
    versions: declared.versions === true,
    metadata: declared.metadata === true,
  };
}
