/** Values cross between this provider and boto3 (the AWS SDK for Python) in both directions, through moto. */
import { afterAll, describe, expect, it } from "vitest";
import { createAwsProvider } from "../src/index.js";
import { boto3, uniquePrefix } from "./support/aws.js";

const prefix = uniquePrefix("interop");
const provider = createAwsProvider({ prefix });
const UNICODE = 'pässwörd 🔑 "quoted" \\ back\nslash & newline';

afterAll(async () => {
  await provider.close();
});

const py = (body: string) =>
  boto3(`import boto3, json, sys\nsm = boto3.client("secretsmanager")\n${body}`).then((out) =>
    JSON.parse(out),
  );

describe("written by the provider, read by boto3", () => {
  it("current and previous values, as plain SecretString", async () => {
    const first = await provider.set("TO_PYTHON", UNICODE);
    const second = await provider.set("TO_PYTHON", "second value", {
      metadata: { rotatedAt: "2025-05-05T00:00:00.000Z" },
    });
    const seen = await py(`
current = sm.get_secret_value(SecretId="${prefix}/TO_PYTHON")
previous = sm.get_secret_value(SecretId="${prefix}/TO_PYTHON", VersionStage="AWSPREVIOUS")
tags = sm.describe_secret(SecretId="${prefix}/TO_PYTHON").get("Tags", [])
print(json.dumps({"current": [current["SecretString"], current["VersionId"]], "previous": [previous["SecretString"], previous["VersionId"]], "tags": tags}))`);
    expect(seen).toEqual({
      current: ["second value", second.version],
      previous: [UNICODE, first.version],
      tags: [{ Key: "secrets:rotatedAt", Value: "2025-05-05T00:00:00.000Z" }],
    });
  });

  it("secrets created with ifAbsent carry the configured tags", async () => {
    const tagged = createAwsProvider({ prefix, tags: { team: "payments", env: "test" } });
    await tagged.set("TAGGED", "x", { ifAbsent: true, metadata: { rotatedAt: "2025-01-01T00:00:00.000Z" } });
    const tags = await py(
      `print(json.dumps(sorted(sm.describe_secret(SecretId="${prefix}/TAGGED")["Tags"], key=lambda t: t["Key"])))`,
    );
    expect(tags).toEqual([
      { Key: "env", Value: "test" },
      { Key: "secrets:rotatedAt", Value: "2025-01-01T00:00:00.000Z" },
      { Key: "team", Value: "payments" },
    ]);
    await tagged.close();
  });

  it("the document layout writes a JSON object Python can load", async () => {
    const documentName = `${prefix}/document`;
    const document = createAwsProvider({ prefix: documentName, layout: "document" });
    await document.set("DATABASE_URL", "postgres://u:p@db/app");
    await document.set("UNICODE", UNICODE);
    const seen = await py(`print(sm.get_secret_value(SecretId="${documentName}")["SecretString"])`);
    expect(seen).toEqual({ DATABASE_URL: "postgres://u:p@db/app", UNICODE });
    await document.close();
  });
});

describe("written by boto3, read by the provider", () => {
  it("created and updated values, current and previous, single and bulk reads, listing", async () => {
    const versions = await py(`
a = sm.create_secret(Name="${prefix}/FROM_PYTHON", SecretString=${JSON.stringify(UNICODE)})
b = sm.put_secret_value(SecretId="${prefix}/FROM_PYTHON", SecretString="updated by python")
sm.create_secret(Name="${prefix}/ALSO_FROM_PYTHON", SecretString="another")
print(json.dumps([a["VersionId"], b["VersionId"]]))`);
    expect(await provider.get("FROM_PYTHON")).toMatchObject({
      value: "updated by python",
      version: versions[1],
    });
    expect(await provider.get("FROM_PYTHON", { version: "previous" })).toMatchObject({
      value: UNICODE,
      version: versions[0],
    });
    const bulk = await provider.getMany(["FROM_PYTHON", "ALSO_FROM_PYTHON"]);
    expect(bulk.get("ALSO_FROM_PYTHON")?.value).toBe("another");
    expect(await provider.list()).toEqual(expect.arrayContaining(["FROM_PYTHON", "ALSO_FROM_PYTHON"]));
  });

  it("a UTF-8 SecretBinary is read as text; tags set by hand are read as metadata", async () => {
    await py(`
sm.create_secret(Name="${prefix}/BINARY", SecretBinary="binary ünïcode".encode("utf-8"), Tags=[{"Key": "secrets:rotatedAt", "Value": "2020-02-02T00:00:00Z"}, {"Key": "owner", "Value": "ops"}])
print("null")`);
    const record = await provider.get("BINARY", { metadata: true });
    expect(record?.value).toBe("binary ünïcode");
    expect(record?.metadata).toEqual({ rotatedAt: "2020-02-02T00:00:00Z" });
  });

  it("names outside the provider's naming rules, or under other prefixes, are not listed", async () => {
    await py(`
sm.create_secret(Name="${prefix}/nested/DEEP", SecretString="x")
sm.create_secret(Name="${prefix}/has-dash", SecretString="x")
sm.create_secret(Name="${prefix}x/OTHER_APP", SecretString="x")
print("null")`);
    const names = await provider.list();
    expect(names).not.toContain("nested/DEEP");
    expect(names).not.toContain("has-dash");
    expect(names).not.toContain("OTHER_APP");
  });

  it("a JSON document written by Python is read field by field", async () => {
    const documentName = `${prefix}/python-document`;
    await py(`
sm.create_secret(Name="${documentName}", SecretString=json.dumps({"API_KEY": "from python", "PORT": 5432, "DEBUG": False}))
print("null")`);
    const document = createAwsProvider({ prefix: documentName, layout: "document" });
    expect((await document.get("API_KEY"))?.value).toBe("from python");
    expect((await document.get("PORT"))?.value).toBe("5432");
    expect((await document.get("DEBUG"))?.value).toBe("false");
    expect(await document.list()).toEqual(["API_KEY", "DEBUG", "PORT"]);
    await document.close();
  });
});
