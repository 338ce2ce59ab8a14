// AWS Secrets Manager reads against a moto server this bench starts: the
// toolkit's SecretManager over the AWS provider, against the raw SDK
// (`SecretsManagerClient.send`, same concurrency) and AWS Powertools
// Parameters, all through one client type whose requests are counted.
// Each figure is a ratio to the raw SDK measured in the same run.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { median, startMoto } from "./servers.mjs";

const ROUNDS = 15;
const NAMES = 100;
const PREFIX = "bench";

export async function benchAws(root) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sdk = await import("@aws-sdk/client-secrets-manager");
  const { SecretsProvider } = await import("@aws-lambda-powertools/parameters/secrets");
  const { SecretManager } = await import(pathToFileURL(path.join(root, "packages/core/dist/index.js")).href);
  const { createAwsProvider } = await import(
    pathToFileURL(path.join(root, "packages/provider-aws/dist/index.js")).href
  );

  const moto = await startMoto(root);
  const counts = new Map();
  const count = (key) => counts.get(key) ?? 0;
  /** A client whose every HTTP attempt is counted by operation, under `label`. */
  const client = (label) => {
    const c = new sdk.SecretsManagerClient({
      region: "us-east-1",
      endpoint: moto.url,
      credentials: { accessKeyId: "AKIABENCH00000000000", secretAccessKey: "bench-dummy-key" },
    });
    c.middlewareStack.add(
      (next, context) => (args) => {
        const key = `${label} ${String(context.commandName).replace(/Command$/, "")}`;
        counts.set(key, count(key) + 1);
        return next(args);
      },
      { step: "deserialize", name: "benchRequestCounter" },
    );
    return c;
  };

  const names = Array.from({ length: NAMES }, (_, i) => `BENCH_${String(i).padStart(3, "0")}`);
  const ids = names.map((name) => `${PREFIX}/${name}`);
  const setup = client("setup");
  for (let i = 0; i < ids.length; i += 20)
    await Promise.all(
      ids
        .slice(i, i + 20)
        .map((id) =>
          setup.send(new sdk.CreateSecretCommand({ Name: id, SecretString: `value of ${id}`, Tags: [] })),
        ),
    );
  setup.destroy();

  const rawClient = client("raw");
  const toolkitProvider = createAwsProvider({ prefix: PREFIX, client: client("toolkit") });
  const powertools = new SecretsProvider({ awsSdkV3Client: client("powertools") });

  // Each job: a cold read (nothing cached), warm sockets (one untimed round first).
  const jobs = {
    raw: {
      one: () => rawClient.send(new sdk.GetSecretValueCommand({ SecretId: ids[0] })),
      all: () =>
        Promise.all(ids.map((id) => rawClient.send(new sdk.GetSecretValueCommand({ SecretId: id })))),
    },
    toolkit: {
      one: () => new SecretManager({ provider: toolkitProvider }).getSecret(names[0]),
      all: () => {
        const manager = new SecretManager({ provider: toolkitProvider });
        return Promise.all(names.map((name) => manager.getSecret(name)));
      },
      batch: () => new SecretManager({ provider: toolkitProvider }).getSecrets(names),
    },
    powertools: {
      one: () => powertools.get(ids[0], { forceFetch: true }),
      all: () => Promise.all(ids.map((id) => powertools.get(id, { forceFetch: true }))),
    },
  };
  const time = async (label, fn) => {
    await fn();
    const before = new Map(counts);
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) {
      const start = performance.now();
      await fn();
      runs.push(performance.now() - start);
    }
    const requests = [];
    for (const [key, n] of counts) {
      const delta = n - (before.get(key) ?? 0);
      if (key.startsWith(`${label} `) && delta > 0)
        requests.push(`${key.slice(label.length + 1)} ${delta / ROUNDS}`);
    }
    return { ms: median(runs), requests: requests.join(", ") };
  };

  const rows = [];
  try {
    const rawOne = await time("raw", jobs.raw.one);
    const rawAll = await time("raw", jobs.raw.all);
    const measured = [
      ["aws cold getSecret: toolkit", "toolkit", jobs.toolkit.one, rawOne],
      ["aws cold getSecret: powertools", "powertools", jobs.powertools.one, rawOne],
      [`aws ${NAMES} × getSecret: toolkit`, "toolkit", jobs.toolkit.all, rawAll],
      [`aws ${NAMES} names getSecrets: toolkit`, "toolkit", jobs.toolkit.batch, rawAll],
      [`aws ${NAMES} × get: powertools`, "powertools", jobs.powertools.all, rawAll],
    ];
    for (const [name, label, fn, baseline] of measured) {
      const result = await time(label, fn);
      rows.push({
        name,
        value: result.ms,
        baseline: baseline.ms,
        unit: "ms",
        ratio: result.ms / baseline.ms,
        note: `vs raw SDK (${baseline.requests}); requests: ${result.requests}`,
      });
    }
  } finally {
    rawClient.destroy();
    await toolkitProvider.close();
    await moto.stop();
  }
  return rows;
}

// Run on its own: `node bench/aws.mjs` (after a build).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
  for (const r of await benchAws(root))
    console.log(
      `${r.name.padEnd(40)} ${r.value.toFixed(2).padStart(9)} ms ${r.baseline.toFixed(2).padStart(9)} ms ${r.ratio.toFixed(3).padStart(7)}  ${r.note}`,
    );
}
