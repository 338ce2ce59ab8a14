import { describe, expect, it } from "vitest";
import { isCodeLoadingVariable, isValidSecretName } from "../src/provider.js";

describe("isCodeLoadingVariable", () => {
  it("names the variables through which loaders, shells and runtimes load or run code", () => {
    const loading = [
      "LD_PRELOAD",
      "LD_LIBRARY_PATH",
      "LD_AUDIT",
      "DYLD_INSERT_LIBRARIES",
      "NODE_OPTIONS",
      "PATH",
      "BASH_ENV",
      "PROMPT_COMMAND",
      "PYTHONPATH",
      "PERL5OPT",
      "JAVA_TOOL_OPTIONS",
      "_JAVA_OPTIONS",
      "GIT_SSH_COMMAND",
      "GIT_CONFIG_COUNT",
      "GCONV_PATH",
    ];
    for (const name of loading) {
      expect(isValidSecretName(name), name).toBe(true);
      expect(isCodeLoadingVariable(name), name).toBe(true);
      // Windows reads environment names without regard to case.
      expect(isCodeLoadingVariable(name.toLowerCase()), name.toLowerCase()).toBe(true);
    }
  });

  it("leaves application names alone, including ones that only contain such a name", () => {
    for (const name of [
      "DATABASE_URL",
      "API_KEY",
      "MY_PATH",
      "PATH_PREFIX",
      "NODE_ENV",
      "OLD_PRELOAD",
      "ENVIRONMENT",
    ])
      expect(isCodeLoadingVariable(name), name).toBe(false);
  });
});
