import { createLogger } from "@org/secrets-core";
import { describe, expect, it } from "vitest";
import { SDK_NODE_WARNING_ENV, silenceSdkNodeWarning } from "../src/sdk-warning.js";

const logger = (level: "debug" | "info" | "error") => createLogger({ level, write: () => {} });

describe("the AWS SDK's Node.js version warning", () => {
  it("is switched off before the SDK loads, unless the logger shows debug lines", () => {
    const quiet: NodeJS.ProcessEnv = {};
    silenceSdkNodeWarning(logger("error"), quiet);
    expect(quiet[SDK_NODE_WARNING_ENV]).toBe("true");
    const info: NodeJS.ProcessEnv = { LOG_LEVEL: "debug" };
    silenceSdkNodeWarning(logger("info"), info);
    expect(info[SDK_NODE_WARNING_ENV]).toBe("true");
    const debug: NodeJS.ProcessEnv = {};
    silenceSdkNodeWarning(logger("debug"), debug);
    expect(debug).toEqual({});
  });

  it("without a logger, follows LOG_LEVEL", () => {
    const env: NodeJS.ProcessEnv = { LOG_LEVEL: " DEBUG " };
    silenceSdkNodeWarning(undefined, env);
    expect(env[SDK_NODE_WARNING_ENV]).toBeUndefined();
    const other: NodeJS.ProcessEnv = { LOG_LEVEL: "warn" };
    silenceSdkNodeWarning(undefined, other);
    expect(other[SDK_NODE_WARNING_ENV]).toBe("true");
  });

  it("leaves a value the user set, either way", () => {
    for (const value of ["false", "true", ""]) {
      const env: NodeJS.ProcessEnv = { [SDK_NODE_WARNING_ENV]: value };
      silenceSdkNodeWarning(logger("error"), env);
      expect(env[SDK_NODE_WARNING_ENV]).toBe(value);
    }
  });
});
