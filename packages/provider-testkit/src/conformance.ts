// The whole conformance suite in one call: every group that applies to the
// provider, chosen by its methods and declared capabilities.

import { basicTests } from "./groups/basics.js";
import { batchReadTests } from "./groups/batch-read.js";
import { canaryTests } from "./groups/canary.js";
import { capabilityReportTests } from "./groups/capability-report.js";
import { checkAndSetTests } from "./groups/check-and-set.js";
import { deadlineTests } from "./groups/deadlines.js";
import { errorTests } from "./groups/errors.js";
import { errorEchoTests } from "./groups/errors-echo.js";
import { hostileValueTests } from "./groups/hostile.js";
import { listTests } from "./groups/list.js";
import { metadataTests } from "./groups/metadata.js";
import { shapeTests } from "./groups/shape.js";
import { versionTests } from "./groups/versions.js";
import { defineSuite, forEachMode } from "./suite/define.js";
import type { ProviderConformanceOptions } from "./suite/options.js";

export type { ConformanceContext, ProviderConformanceOptions } from "./suite/options.js";

/**
 * Register the conformance suite for a provider with vitest. Call it at the top
 * level of a test file:
 *
 * ```ts
 * runProviderConformance({ name: "acme", create: ({ logger }) => createProvider({ env, cwd, logger }) });
 * ```
 *
 * It checks the contract's required behaviour through the raw provider and
 * through a `SecretManager` (cache off and on), then the capability groups the
 * provider has: `batchRead` (it has `getMany`), `list` (it has `list`), and the
 * declared `checkAndSet`, `versions`, `metadata`.
 * The first test's name lists which groups ran.
 */
export function runProviderConformance(options: ProviderConformanceOptions): void {
  defineSuite(options, (suite) => {
    const { announced } = suite;
    capabilityReportTests(suite);
    shapeTests(suite);
    forEachMode(suite, (tests) => {
      basicTests(tests);
      hostileValueTests(tests);
      if (announced.batchRead) batchReadTests(tests);
      if (announced.list) listTests(tests);
      if (announced.checkAndSet) checkAndSetTests(tests);
      if (announced.versions) versionTests(tests);
      if (announced.metadata) metadataTests(tests);
    });
    errorTests(suite);
    errorEchoTests(suite);
    deadlineTests(suite);
    canaryTests(suite);
  });
}
