import { Writable } from "node:stream";
import { EXIT, run } from "@org/secrets-cli";

/**
 * Run `secrets health --json` in-process, as a deploy script or a test would:
 * output is captured, nothing touches the real terminal, and the exit code is
 * returned instead of ending the process.
 */
export async function checkSecrets(projectDir: string): Promise<{ ok: boolean; report: unknown }> {
  let json = "";
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      json += chunk;
      done();
    },
  });
  const code = await run(["health", "--json"], {
    cwd: projectDir,
    env: { ...process.env, SECRET_PROVIDER: "env" },
    stdout,
  });
  return { ok: code === EXIT.OK, report: JSON.parse(json) }; // ok: healthy, or degraded
}
