/** A real `moto_server` (AWS Secrets Manager) for tests, and the environment that points the AWS SDK at it. */
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, pythonWithMoto } from "../tools.js";
import { launch, type RunningServer, stopChild, waitUntil } from "./server-process.js";

/**
 * moto's server as `moto_server` runs it, each request handled whole before the
 * next starts, as AWS applies every call atomically (see atomic-moto.py: moto
 * does not lock, and concurrent calls can both use one `ClientRequestToken` or
 * fail with HTTP 500). A test with sixteen concurrent writers once lost a write,
 * most likely through the first. The bench runs the same program.
 */
const ATOMIC_MOTO = fileURLToPath(new URL("./atomic-moto.py", import.meta.url));

/**
 * moto's server on a free loopback port, every request applied atomically (see
 * atomic-moto.py); ready when it resolves. With `tls` it answers HTTPS with a
 * self-signed certificate that no client trusts.
 */
export async function startMoto(options: { tls?: boolean } = {}): Promise<RunningServer> {
  const python = await pythonWithMoto();
  const tls = options.tls === true;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
    const { child, tail } = launch(
      python,
      [ATOMIC_MOTO, "127.0.0.1", String(port), ...(tls ? ["tls"] : [])],
      {
        PYTHONUNBUFFERED: "1",
      },
    );
    try {
      await waitUntil(child, tail, () => answers(`${url}/moto-api/`));
      return { url, stop: () => stopChild(child) };
    } catch (error) {
      lastError = error;
      await stopChild(child);
    }
  }
  throw new Error(
    `moto's server did not start: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}

/** Whether `url` answers 200 within 2 s; over HTTPS the certificate is not checked (it is self-signed). */
async function answers(url: string): Promise<boolean> {
  if (!url.startsWith("https:")) {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  }
  return new Promise((resolve, reject) => {
    const request = https.get(url, { rejectUnauthorized: false, timeout: 2000 }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode === 200));
    });
    request.on("timeout", () => request.destroy(new Error(`no answer from ${url} within 2 s`)));
    request.on("error", reject);
  });
}

/** The environment that points the AWS SDK at a moto server, with dummy credentials and no machine config. */
export function motoEnv(endpoint: string): Record<string, string> {
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIATESTSUPPORT00000",
    AWS_SECRET_ACCESS_KEY: "test-support-dummy-secret-access-key",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_CONFIG_FILE: path.join(os.tmpdir(), "no-such-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), "no-such-aws-credentials"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}
