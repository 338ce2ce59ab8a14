/** A real `moto_server` (AWS Secrets Manager) for tests, and the environment that points the AWS SDK at it. */
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

/** moto's server on a free loopback port, every request applied atomically (see atomic-moto.py); ready when it resolves. */
export async function startMoto(): Promise<RunningServer> {
  const python = await pythonWithMoto();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { child, tail } = launch(python, [ATOMIC_MOTO, "127.0.0.1", String(port)], {
      PYTHONUNBUFFERED: "1",
    });
    try {
      await waitUntil(child, tail, async () => {
        const response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        return response.ok;
      });
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
