import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import {
  type CliProject,
  createCliProject,
  loadedModulesRecorder,
  motoEnv,
  type RunningServer,
  runCli,
  startMoto,
} from "@org/secrets-test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deferredBuiltin, deferredRequest } from "../src/deferred-builtins.js";

/** The AWS SDK's built-ins, loaded when they are used, not when the SDK loads. */

const bin = fileURLToPath(new URL("../dist/secrets.cjs", import.meta.url));
// Where the AWS provider is installed: the package of the tests across packages declares it.
const TEST_SUPPORT = fileURLToPath(new URL("../../integration-tests/", import.meta.url));
const smithy = path.join("/srv", "node_modules", "@smithy", "node-http-handler", "dist-cjs", "index.js");
const awsSdk = path.join("/srv", "node_modules", "@aws-sdk", "core", "dist-cjs", "index.js");

describe("which requests get a stand-in", () => {
  it("http2 and zlib, asked for by the SDK's packages, and nothing else", () => {
    expect(deferredRequest("node:http2", smithy)).toBe("http2");
    expect(deferredRequest("http2", awsSdk)).toBe("http2");
    expect(deferredRequest("node:zlib", smithy)).toBe("zlib");
    expect(deferredRequest("zlib", awsSdk)).toBe("zlib");
    // Other built-ins, other files (an application, a third-party provider), no file at all.
    expect(deferredRequest("node:https", smithy)).toBeUndefined();
    expect(deferredRequest("node:http2/x", smithy)).toBeUndefined();
    expect(deferredRequest("node:http2", path.join("/srv", "app", "provider.js"))).toBeUndefined();
    expect(
      deferredRequest("zlib", path.join("/srv", "node_modules", "@smithyx", "a", "index.js")),
    ).toBeUndefined();
    expect(deferredRequest("node:http2", undefined)).toBeUndefined();
  });
});

describe("a stand-in", () => {
  it("is one object per built-in, and answers what the SDK reads as it loads as the real module would", () => {
    const stand = deferredBuiltin("http2") as typeof http2;
    expect(deferredBuiltin("http2")).toBe(stand);
    const { constants } = stand;
    expect(constants.HTTP2_HEADER_PATH).toBe(":path");
    expect(constants.HTTP2_HEADER_METHOD).toBe(http2.constants.HTTP2_HEADER_METHOD);
    expect((stand as unknown as { __esModule?: unknown }).__esModule).toBeUndefined();
    const gz = deferredBuiltin("zlib") as typeof zlib;
    expect(typeof gz.crc32).toBe("function");
    expect(gz.crc32("hello, world")).toBe(zlib.crc32("hello, world"));
  });

  it("forwards everything else to the real module: members, listing, membership", () => {
    const stand = deferredBuiltin("http2") as typeof http2;
    expect(stand.connect).toBe(http2.connect);
    expect(Object.keys(stand)).toEqual(Object.keys(http2));
    expect("createServer" in stand).toBe(true);
    expect(Object.keys(stand.constants)).toEqual(Object.keys(http2.constants));
    const gz = deferredBuiltin("zlib") as typeof zlib;
    expect(gz.gunzipSync(gz.gzipSync("round trip")).toString()).toBe("round trip");
    expect({ ...gz }.constants).toBe(zlib.constants);
  });

  it("an HTTP/2 request through the stand-in reaches a real HTTP/2 server", async () => {
    const server = http2.createServer((request, response) => {
      response.end(`${request.method} ${request.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const stand = deferredBuiltin("http2") as typeof http2;
    const session = stand.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const request = session.request({
          [stand.constants.HTTP2_HEADER_PATH]: "/through",
          [stand.constants.HTTP2_HEADER_METHOD]: "GET",
        });
        let text = "";
        request.setEncoding("utf8");
        request.on("data", (chunk: string) => {
          text += chunk;
        });
        request.on("end", () => resolve(text));
        request.on("error", reject);
        request.end();
      });
      expect(body).toBe("GET /through");
    } finally {
      session.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("secrets get on AWS", () => {
  let moto: RunningServer;
  let project: CliProject;
  beforeAll(async () => {
    moto = await startMoto();
    project = await createCliProject(["@org/secrets-provider-aws"], TEST_SUPPORT);
  }, 120_000);
  afterAll(async () => {
    await project?.remove();
    await moto?.stop();
  });

  it("reads the secret without loading http2 or zlib", async () => {
    const recorder = loadedModulesRecorder(project.dir);
    const env = { HOME: project.dir, SECRET_PROVIDER: "aws", ...motoEnv(moto.url) };
    const set = await runCli(["set", "DEFERRED_BUILTINS"], {
      bin,
      cwd: project.dir,
      env,
      stdin: "read-over-http-1.1",
    });
    expect([set.code, set.stderr]).toEqual([0, ""]);
    const get = await runCli(["get", "DEFERRED_BUILTINS"], {
      bin,
      cwd: project.dir,
      env: { ...env, NODE_OPTIONS: `--require ${recorder.preload}` },
    });
    expect([get.code, get.stderr, get.stdout]).toEqual([0, "", "read-over-http-1.1"]);
    const list = recorder.read();
    // The SDK was loaded and made its request: its own modules are there, and Node's http.
    expect(list).toContain("NativeModule http");
    expect(list).toContain("NativeModule crypto");
    expect(list).not.toContain("NativeModule http2");
    expect(list).not.toContain("NativeModule zlib");
  });
});
