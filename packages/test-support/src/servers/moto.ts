/** A real `moto_server` (AWS Secrets Manager) for tests, and the environment that points the AWS SDK at it. */
import os from "node:os";
import path from "node:path";
import { freePort, pythonWithMoto } from "../tools.js";
import { launch, type RunningServer, stopChild, waitUntil } from "./server-process.js";

/**
 * moto's server, as `moto_server` runs it (moto's own WSGI application under
 * werkzeug, a thread per connection), with one difference: each request is
 * handled whole before the next starts. AWS applies every call atomically;
 * moto does not lock, so two `PutSecretValue` calls with the same
 * `ClientRequestToken` and different values can both pass its "token already
 * used?" check and both succeed, the second replacing the first's version. The
 * providers' checked writes rely on the real service refusing the second (its
 * documented contract); a test with sixteen concurrent writers once lost a
 * write, most likely this way (moto's code allows it; it did not happen again
 * in 160 rounds of that test without load). moto's handlers are Python under
 * one interpreter lock anyway, so running them one at a time costs next to no
 * throughput.
 */
const ATOMIC_MOTO = `
import os, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()
def atomic(environ, start_response):
    with lock:
        return list(app(environ, start_response))
run_simple(host, port, atomic, threaded=True)
`;

/** moto's server on a free loopback port, every request applied atomically (see ATOMIC_MOTO); ready when it resolves. */
export async function startMoto(): Promise<RunningServer> {
  const python = await pythonWithMoto();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { child, tail } = launch(python, ["-c", ATOMIC_MOTO, "127.0.0.1", String(port)], {
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
