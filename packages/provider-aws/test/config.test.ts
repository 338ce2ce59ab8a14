import { silentLogger } from "@org/secrets-core";
import { capabilitiesOf, ProviderNotConfiguredError, SecretConfigError } from "@org/secrets-core/provider";
import { describe, expect, it } from "vitest";
import {
  AwsSecretsManagerProvider,
  createAwsProvider,
  createProvider,
  DEFAULT_RECOVERY_WINDOW_DAYS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  parseAwsConfig,
  parseAwsOptions,
} from "../src/index.js";

const fields = (errors: SecretConfigError[]) => errors.map((e) => e.field);

describe("parseAwsConfig", () => {
  it("has working defaults: per-secret layout, no prefix, 30-day recovery window", () => {
    const { config, warnings, errors } = parseAwsConfig({ AWS_REGION: "us-east-1" });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      region: "us-east-1",
      prefix: "",
      layout: "per-secret",
      kmsKeyId: undefined,
      tags: {},
      recoveryWindowDays: DEFAULT_RECOVERY_WINDOW_DAYS,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    });
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(5000);
    expect(DEFAULT_RECOVERY_WINDOW_DAYS).toBe(30);
  });

  it("reads every setting", () => {
    const { config, errors } = parseAwsConfig({
      AWS_REGION: "eu-central-1",
      SECRET_AWS_PREFIX: "myapp/production/",
      SECRET_AWS_LAYOUT: "Document",
      SECRET_AWS_KMS_KEY_ID: "alias/myapp-secrets",
      SECRET_AWS_TAGS: "team=payments, env=prod,cost center=42",
      SECRET_AWS_RECOVERY_WINDOW_DAYS: "7",
    });
    expect(errors).toEqual([]);
    expect(config).toEqual({
      region: "eu-central-1",
      prefix: "myapp/production",
      layout: "document",
      kmsKeyId: "alias/myapp-secrets",
      tags: { team: "payments", env: "prod", "cost center": "42" },
      recoveryWindowDays: 7,
      requestTimeoutMs: 5000,
    });
  });

  it("accepts tags as a JSON object", () => {
    const { config, errors } = parseAwsConfig({ SECRET_AWS_TAGS: '{"owner":"team a/b","env":"prod"}' });
    expect(errors).toEqual([]);
    expect(config.tags).toEqual({ owner: "team a/b", env: "prod" });
  });

  it("AWS_REGION wins over AWS_DEFAULT_REGION (with a warning when they differ); AWS_DEFAULT_REGION alone is used", () => {
    const both = parseAwsConfig({ AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "eu-west-1" });
    expect(both.config.region).toBe("us-east-1");
    expect(both.warnings).toEqual(["AWS_REGION=us-east-1 is used; AWS_DEFAULT_REGION=eu-west-1 is ignored"]);
    expect(parseAwsConfig({ AWS_DEFAULT_REGION: "eu-west-1" }).config.region).toBe("eu-west-1");
    expect(parseAwsConfig({ AWS_REGION: " ", AWS_DEFAULT_REGION: "eu-west-1" }).config.region).toBe(
      "eu-west-1",
    );
    expect(parseAwsConfig({}).config.region).toBeUndefined();
  });

  it.each([
    [
      { AWS_REGION: "US East 1" },
      "AWS_REGION",
      "Invalid AWS_REGION: it has upper-case letters; use an AWS region name such as us-east-1",
    ],
    [{ AWS_DEFAULT_REGION: "eu_west_1" }, "AWS_DEFAULT_REGION", "Invalid AWS_DEFAULT_REGION"],
    [
      { SECRET_AWS_PREFIX: "my app" },
      "SECRET_AWS_PREFIX",
      "a Secrets Manager name uses only letters, digits and / _ + = . @ -",
    ],
    [{ SECRET_AWS_PREFIX: "/myapp" }, "SECRET_AWS_PREFIX", "do not start it with /"],
    [{ SECRET_AWS_PREFIX: "a".repeat(400) }, "SECRET_AWS_PREFIX", "at most 383 characters"],
    [{ SECRET_AWS_LAYOUT: "flat" }, "SECRET_AWS_LAYOUT", "use per-secret (the default) or document"],
    [{ SECRET_AWS_LAYOUT: "document" }, "SECRET_AWS_PREFIX", "The document layout needs SECRET_AWS_PREFIX"],
    [{ SECRET_AWS_KMS_KEY_ID: "alias/my key" }, "SECRET_AWS_KMS_KEY_ID", "without spaces"],
    [{ SECRET_AWS_TAGS: "team" }, "SECRET_AWS_TAGS", '"team" is not key=value'],
    [{ SECRET_AWS_TAGS: "a=1,a=2" }, "SECRET_AWS_TAGS", 'tag "a" is given twice'],
    [{ SECRET_AWS_TAGS: "aws:owner=me" }, "SECRET_AWS_TAGS", "uses the prefix aws:, which AWS reserves"],
    [
      { SECRET_AWS_TAGS: "secrets:rotatedAt=x" },
      "SECRET_AWS_TAGS",
      "uses the prefix secrets:, which holds secret metadata",
    ],
    [{ SECRET_AWS_TAGS: "team=a;b" }, "SECRET_AWS_TAGS", 'the value of tag "team" must be'],
    [{ SECRET_AWS_TAGS: "{nope" }, "SECRET_AWS_TAGS", "not valid JSON"],
    [{ SECRET_AWS_TAGS: '{"a":1}' }, "SECRET_AWS_TAGS", 'the value of tag "a" must be a string'],
    [
      { SECRET_AWS_RECOVERY_WINDOW_DAYS: "6" },
      "SECRET_AWS_RECOVERY_WINDOW_DAYS",
      "use a whole number of days from 7 to 30",
    ],
    [{ SECRET_AWS_RECOVERY_WINDOW_DAYS: "31" }, "SECRET_AWS_RECOVERY_WINDOW_DAYS", "from 7 to 30"],
    [{ SECRET_AWS_RECOVERY_WINDOW_DAYS: "7.5" }, "SECRET_AWS_RECOVERY_WINDOW_DAYS", "from 7 to 30"],
    [
      { SECRET_AWS_RECOVERY_WINDOW_DAYS: "0" },
      "SECRET_AWS_RECOVERY_WINDOW_DAYS",
      "delete with the permanent option",
    ],
  ])("rejects %j naming %s", (env, field, message) => {
    const { errors } = parseAwsConfig(env);
    expect(fields(errors)).toEqual([field]);
    expect(errors[0]).toBeInstanceOf(SecretConfigError);
    expect(errors[0]?.code).toBe("INVALID_CONFIG");
    expect(errors[0]?.provider).toBe("aws");
    expect(errors[0]?.message).toContain(message);
  });

  it("reports every problem at once", () => {
    const { errors } = parseAwsConfig({
      AWS_REGION: "nope nope",
      SECRET_AWS_LAYOUT: "x",
      SECRET_AWS_RECOVERY_WINDOW_DAYS: "1",
    });
    expect(fields(errors)).toEqual(["AWS_REGION", "SECRET_AWS_LAYOUT", "SECRET_AWS_RECOVERY_WINDOW_DAYS"]);
  });

  it("warns about unknown SECRET_AWS_ variables (typos) and about names AWS confuses with ARN suffixes", () => {
    expect(parseAwsConfig({ SECRET_AWS_PREFX: "x" }).warnings).toEqual([
      expect.stringMatching(/^SECRET_AWS_PREFX is not a setting of the aws provider and is ignored/),
    ]);
    expect(
      parseAwsConfig({ SECRET_AWS_LAYOUT: "document", SECRET_AWS_PREFIX: "myapp-abcdef" }).warnings,
    ).toEqual([expect.stringContaining("ends with a hyphen and six characters")]);
  });
});

describe("region and endpoint errors say what is wrong without repeating the value", () => {
  const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz";
  const URL_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYzz";
  it.each([
    ["AWS_REGION", SECRET, "it has upper-case letters"],
    ["AWS_REGION", `us-east-1 ${SECRET.toLowerCase()}`, "it has spaces in it"],
    [
      "AWS_REGION",
      `us-east-1/${SECRET.toLowerCase()}`,
      "it has characters other than lower-case letters, digits and hyphens",
    ],
    ["AWS_REGION", "-us-east-1", "it starts or ends with a hyphen, or has two in a row"],
    ["AWS_REGION", "a".repeat(80), "it is 80 characters long (at most 50)"],
    ["AWS_DEFAULT_REGION", SECRET, "it has upper-case letters"],
  ])("%s=%s", (field, value, reason) => {
    const { errors, warnings } = parseAwsConfig({ [field]: value });
    expect(fields(errors)).toEqual([field]);
    expect(errors[0]?.message).toBe(
      `Invalid ${field}: ${reason}; use an AWS region name such as us-east-1 (lower-case letters, digits and hyphens)`,
    );
    expect(JSON.stringify([errors.map((e) => e.message), warnings, errors[0]?.stack])).not.toContain(value);
  });

  it("an invalid AWS_DEFAULT_REGION beside a valid AWS_REGION is ignored with a warning that does not repeat it", () => {
    const { errors, warnings } = parseAwsConfig({ AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: SECRET });
    expect(errors).toEqual([]);
    expect(warnings).toEqual(["AWS_REGION=us-east-1 is used; AWS_DEFAULT_REGION is ignored"]);
  });

  it.each([
    [
      "AWS_ENDPOINT_URL_SECRETS_MANAGER",
      `https://admin:${URL_SECRET}@sm.example.com`,
      "it must not hold a user name or password",
    ],
    [
      "AWS_ENDPOINT_URL_SECRETS_MANAGER",
      `https://sm.example.com/?token=${URL_SECRET}`,
      "it must not have a query string or fragment",
    ],
    [
      "AWS_ENDPOINT_URL_SECRETS_MANAGER",
      `https://sm.example.com/#${URL_SECRET}`,
      "it must not have a query string or fragment",
    ],
    ["AWS_ENDPOINT_URL", `ftp://${URL_SECRET}.example.com`, "it must start with https://"],
    ["AWS_ENDPOINT_URL", `not a url ${URL_SECRET}`, "it is not an absolute URL"],
    ["AWS_ENDPOINT_URL", `https://admin:${SECRET}@x.example.com`, "it is not an absolute URL"],
  ])("%s=%s", (field, value, reason) => {
    const { errors, warnings } = parseAwsConfig({ AWS_REGION: "us-east-1", [field]: value });
    expect(fields(errors)).toEqual([field]);
    expect(errors[0]?.message.startsWith(`Invalid ${field}: ${reason}`)).toBe(true);
    const shown = JSON.stringify([errors.map((e) => e.message), warnings, errors[0]?.stack]);
    expect(shown).not.toContain(URL_SECRET);
    expect(shown).not.toContain("K7MDENG");
  });

  it("a valid endpoint is accepted; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns the check off, as it turns the variables off", () => {
    expect(parseAwsConfig({ AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:4566" }).errors).toEqual([]);
    expect(
      parseAwsConfig({
        AWS_ENDPOINT_URL: `https://u:${URL_SECRET}@x.example.com`,
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
      }).errors,
    ).toEqual([]);
  });

  it("clientConfig.endpoint is checked the same way", () => {
    const error = (() => {
      try {
        createAwsProvider({ clientConfig: { endpoint: `https://u:${URL_SECRET}@x.example.com` } });
      } catch (e) {
        return e as SecretConfigError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SecretConfigError);
    expect(error?.field).toBe("clientConfig.endpoint");
    expect(error?.message).toBe(
      "Invalid clientConfig.endpoint: it must not hold a user name or password (credentials come from the AWS credential chain)",
    );
    expect(String(error?.stack)).not.toContain(URL_SECRET);
  });
});

describe("the per-attempt timeout", () => {
  it("SECRET_AWS_REQUEST_TIMEOUT is seconds, decimals allowed; requestTimeoutMs is milliseconds", () => {
    expect(parseAwsConfig({ SECRET_AWS_REQUEST_TIMEOUT: "0.25" }).config.requestTimeoutMs).toBe(250);
    expect(parseAwsConfig({ SECRET_AWS_REQUEST_TIMEOUT: "12" }).config.requestTimeoutMs).toBe(12_000);
    expect(parseAwsOptions({ requestTimeoutMs: 750 }).config.requestTimeoutMs).toBe(750);
    expect(parseAwsConfig({ SECRET_AWS_REQUEST_TIMEOUT: "12" }).warnings).toEqual([]);
  });

  it.each(["0", "-1", "abc", "1e3", "0.01", "301"])("SECRET_AWS_REQUEST_TIMEOUT=%s is refused", (value) => {
    const { errors } = parseAwsConfig({ SECRET_AWS_REQUEST_TIMEOUT: value });
    expect(fields(errors)).toEqual(["SECRET_AWS_REQUEST_TIMEOUT"]);
    expect(errors[0]?.message).toBe(
      "Invalid SECRET_AWS_REQUEST_TIMEOUT: use a number of seconds from 0.05 to 300, decimals allowed (default 5)",
    );
  });

  it("requestTimeoutMs out of range is refused", () => {
    expect(() => createAwsProvider({ requestTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ field: "requestTimeoutMs", code: "INVALID_CONFIG" }),
    );
  });
});

describe("options given in code", () => {
  it("are checked with the same rules, naming the option", () => {
    const { errors } = parseAwsOptions({
      region: "Somewhere",
      recoveryWindowDays: 90,
      tags: { "aws:x": "y" },
      layout: "document",
    });
    expect(fields(errors)).toEqual(["recoveryWindowDays", "tags", "region", "prefix"]);
    expect(() => createAwsProvider({ readConcurrency: 0 })).toThrow(
      expect.objectContaining({ field: "readConcurrency", code: "INVALID_CONFIG" }),
    );
    expect(() => createAwsProvider({ recoveryWindowDays: 3 })).toThrow(SecretConfigError);
    expect(() => createAwsProvider({ recoveryWindowDays: 3 })).toThrow(/^Invalid recoveryWindowDays "3"/);
  });

  it("build a provider with the announced capabilities", () => {
    const perSecret = createAwsProvider({ prefix: "app" });
    expect(perSecret).toBeInstanceOf(AwsSecretsManagerProvider);
    expect(perSecret.name).toBe("aws");
    expect(perSecret.displayName).toBe("AWS Secrets Manager");
    expect(perSecret.capabilities).toEqual({
      versions: true,
      checkAndSet: true,
      metadata: true,
    });
    expect(capabilitiesOf(perSecret)).toMatchObject({ batchRead: true, list: true });
    expect(perSecret.secretId("DATABASE_URL")).toBe("app/DATABASE_URL");
    expect(createAwsProvider().secretId("DATABASE_URL")).toBe("DATABASE_URL");
    const document = createAwsProvider({ prefix: "app/prod", layout: "document" });
    expect(document.capabilities.metadata).toBe(false);
    expect(document.secretId("DATABASE_URL")).toBe("app/prod");
  });
});

describe("createProvider (what core calls for SECRET_PROVIDER=aws)", () => {
  it("throws the first configuration problem, naming its variable, and logs warnings", async () => {
    const warned: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warned.push(message) };
    await expect(
      createProvider({ env: { SECRET_AWS_LAYOUT: "document" }, cwd: process.cwd(), logger }),
    ).rejects.toThrow(expect.objectContaining({ field: "SECRET_AWS_PREFIX", code: "INVALID_CONFIG" }));
    const provider = await createProvider({
      env: { AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-west-2", SECRET_AWS_PREFIX: "app" },
      cwd: process.cwd(),
      logger,
    });
    expect(provider.prefix).toBe("app");
    expect(provider.region).toBe("us-east-1");
    expect(warned).toEqual([
      "aws provider: AWS_REGION=us-east-1 is used; AWS_DEFAULT_REGION=us-west-2 is ignored",
    ]);
  });

  it("missing region surfaces as ProviderNotConfiguredError on first use, from a client given without one", async () => {
    const { SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      const client = new SecretsManagerClient({});
      const provider = createAwsProvider({ client });
      const check = provider.check();
      await expect(check).rejects.toBeInstanceOf(ProviderNotConfiguredError);
      await expect(check).rejects.toThrow(/^Secret provider 'aws' not configured: set AWS_REGION/);
      client.destroy();
    } finally {
      process.env.AWS_REGION = saved;
    }
  });
});
